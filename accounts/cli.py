"""`linkage user ...`, `linkage team ...` and `linkage audit export`: how a deployment makes its
first admin, and how an admin without the pages manages accounts."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from accounts import audit, queries, services, tokens
from accounts.models import SCOPES, Role
from kernel.db import get_session, utcnow
from kernel.errors import Problem


@contextmanager
def _transaction() -> Iterator[Session]:
    """The command's one transaction; an expected error is one sentence, not a traceback."""
    session = get_session()
    session.info["actor"] = "cli"
    try:
        yield session
        session.commit()
    except Problem as exc:
        session.rollback()
        raise click.ClickException(exc.detail) from None
    except Exception:
        session.rollback()
        raise


@click.group("user")
def user_group() -> None:
    """Accounts: add, list, disable, enable, reset a password, change a role, the second factor."""


@user_group.command("add")
@click.argument("email")
@click.option("--role", required=True, help="One of: " + ", ".join(r.value for r in Role) + ".")
@click.option(
    "--org", "orgs", multiple=True, metavar="ORG_ID", help="A provider's organization (repeat for more)."
)
@click.option(
    "--team", default=None, metavar="NAME", help="The user's team (default: the deployment's default team)."
)
@click.option("--password", default=None, help="The password (default: a generated one, printed once).")
@with_appcontext
def user_add(email: str, role: str, orgs: tuple[str, ...], team: str | None, password: str | None) -> None:
    """Add an account."""
    with _transaction() as session:
        made = services.create_user(
            session, email, role, audit.command_line(), organizations=orgs, team=team, password=password
        )
        user = made.user
        line = f"Added {user.email} ({user.role.value}"
        line += f", team {user.team.name})" if user.team else ")"
    click.echo(line)
    if made.password:
        click.echo(f"Password (shown once): {made.password}")


@user_group.command("list")
@with_appcontext
def user_list() -> None:
    """List every account: e-mail, role, team, organizations, state."""
    session = get_session()
    rows = [("email", "role", "team", "organizations", "state")]
    for u in queries.users(session):
        orgs = "; ".join(f"{o.name} ({o.id})" for o in u.organizations)
        rows.append(
            (
                u.email,
                u.role.value,
                u.team.name if u.team else "-",
                orgs or "-",
                "active" if u.active else "disabled",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for r in rows:
        click.echo("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + "  " + r[4])


@user_group.command("disable")
@click.argument("email")
@with_appcontext
def user_disable(email: str) -> None:
    """Disable an account: it cannot sign in, and its sessions end at once."""
    with _transaction() as session:
        user = services.set_active(session, email, False, audit.command_line())
    click.echo(f"Disabled {user.email}.")


@user_group.command("enable")
@click.argument("email")
@with_appcontext
def user_enable(email: str) -> None:
    """Enable a disabled account again."""
    with _transaction() as session:
        user = services.set_active(session, email, True, audit.command_line())
    click.echo(f"Enabled {user.email}.")


@user_group.command("reset-password")
@click.argument("email")
@with_appcontext
def user_reset_password(email: str) -> None:
    """Give an account a new generated password (printed once); its sessions end."""
    with _transaction() as session:
        password = services.reset_password(session, email, audit.command_line())
        address = services.normalize_email(email)
    click.echo(f"New password for {address} (shown once): {password}")


@user_group.command("set-role")
@click.argument("email")
@click.option("--role", required=True, help="One of: " + ", ".join(r.value for r in Role) + ".")
@click.option(
    "--org", "orgs", multiple=True, metavar="ORG_ID", help="A provider's organization (repeat for more)."
)
@click.option(
    "--team", default=None, metavar="NAME", help="The user's team (default: the deployment's default team)."
)
@with_appcontext
def user_set_role(email: str, role: str, orgs: tuple[str, ...], team: str | None) -> None:
    """Change an account's role (and its organizations or team); its sessions end."""
    with _transaction() as session:
        user = services.set_role(session, email, role, audit.command_line(), organizations=orgs, team=team)
        line = f"{user.email} is now {user.role.value}" + (f", team {user.team.name}." if user.team else ".")
    click.echo(line)


@user_group.command("reset-2fa")
@click.argument("email")
@with_appcontext
def user_reset_2fa(email: str) -> None:
    """For a lost phone: delete EMAIL's second factor and recovery codes; its sessions end, and
    the user sets it up again (at the next sign-in when the role requires it)."""
    with _transaction() as session:
        user = services.reset_second_factor(session, email, audit.command_line())
    click.echo(f"Reset the second factor of {user.email}.")


@user_group.command("require-2fa")
@click.argument("role")
@click.option("--off", is_flag=True, help="No longer require it for ROLE (over LINKAGE_MFA_ROLES).")
@with_appcontext
def user_require_2fa(role: str, off: bool) -> None:
    """Require a second factor of every account of ROLE (or not, with --off)."""
    with _transaction() as session:
        kind = services.require_second_factor(session, role, not off, audit.command_line())
    state = "no longer requires" if off else "now requires"
    click.echo(f"The role {kind.value} {state} a second factor.")


@click.group("team")
def team_group() -> None:
    """Teams: the units (a police department's social-work unit, a care team) data belongs to."""


@team_group.command("add")
@click.argument("name")
@with_appcontext
def team_add(name: str) -> None:
    """Add a team."""
    with _transaction() as session:
        team = services.add_team(session, name, audit.command_line())
    click.echo(f"Added team {team.name}.")


@team_group.command("list")
@with_appcontext
def team_list() -> None:
    """List the teams (the default one is marked)."""
    for team in queries.teams(get_session()):
        click.echo(team.name + ("  (default)" if team.is_default else ""))


def _date(value: str | None, option: str, *, end: bool = False) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return audit.parse_bound(value, end=end)
    except ValueError:
        hint = "2026-12-01 or 2026-12-01T08:00"
        raise click.BadParameter(f"{value!r} is not a date ({hint})", param_hint=option) from None


@click.group("audit")
def audit_group() -> None:
    """The audit log."""


@audit_group.command("export")
@click.option(
    "--since", default=None, metavar="DATE", help="From this date or time (UTC unless an offset is given)."
)
@click.option("--until", default=None, metavar="DATE", help="Before this date or time.")
@with_appcontext
def audit_export(since: str | None, until: str | None) -> None:
    """Write the audit log as CSV with a header row to standard output."""
    filters = audit.Filters(since=_date(since, "--since"), until=_date(until, "--until", end=True))
    with _transaction() as session:
        count = audit.write_csv(audit.events(session, filters), sys.stdout)
        # the export itself is recorded, after the rows it wrote
        detail = f"{count} events; {filters.describe()}"
        audit.record(session, audit.command_line(), "audit_export", record_type="audit_event", detail=detail)


@click.group("token")
def token_group() -> None:
    """API tokens: create (shown once), list, revoke."""


@token_group.command("create")
@click.argument("email")
@click.option(
    "--scope", "scopes", multiple=True, required=True, help="One of: " + ", ".join(SCOPES) + " (repeat)."
)
@click.option(
    "--expires", default=None, metavar="DATE", help="When the token stops working (default: never)."
)
@with_appcontext
def token_create(email: str, scopes: tuple[str, ...], expires: str | None) -> None:
    """Make an API token for EMAIL's account; the token is the last word printed (shown once)."""
    when = _date(expires, "--expires")
    with _transaction() as session:
        made = tokens.create(session, email, scopes, audit.command_line(), expires=when)
        summary = f"Token {made.token.id} for {made.token.user.email}, scopes {made.token.scopes}"
    click.echo(summary + (f", expires {when.isoformat()}" if when else "") + ". Shown once:")
    click.echo(made.secret)


@token_group.command("list")
@click.argument("email", required=False)
@with_appcontext
def token_list(email: str | None) -> None:
    """List tokens (of EMAIL's account, or all): id, user, scopes, state, last use."""
    now = utcnow()
    for t in tokens.listing(get_session(), email):
        if t.revoked:
            state = "revoked"
        elif t.expires and t.expires <= now:
            state = "expired"
        else:
            state = "active" + (f" until {t.expires:%Y-%m-%d %H:%M}" if t.expires else "")
        used = f"last used {t.last_used:%Y-%m-%d %H:%M}" if t.last_used else "never used"
        click.echo(f"{t.id}  {t.user.email}  {t.scopes}  {state}  {used}")


@token_group.command("revoke")
@click.argument("token_id", metavar="ID")
@with_appcontext
def token_revoke(token_id: str) -> None:
    """Revoke a token at once."""
    with _transaction() as session:
        token = tokens.revoke(session, token_id, audit.command_line())
    click.echo(f"Revoked token {token.id}.")
