"""Accounts: users, roles and teams, signing in, and the audit log.

`models` holds the tables, `passwords` the hashing and the strength rule, `services` every
write (create, disable, enable, reset, change a password, add a team, sign in with its
throttle), `audit` the append-only log, `queries` the reads, `signin` the session layer that
tells each request who is signed in (through `kernel.identity`, so any package's views can
read it without importing this one), `cli` the `linkage user|team|audit` commands and
`views` the sign-in pages.
"""
