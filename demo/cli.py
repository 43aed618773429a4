"""Catalog commands: `linkage demo` loads the fictional demo county and one account per role."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from demo import load_demo
from demo.accounts import create_demo_accounts
from kernel.db import get_session


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Only load when the catalog has no services yet.")
@click.option("--seed", default=2026, show_default=True, help="Generator seed (same seed, same directory).")
@with_appcontext
def demo_command(if_empty: bool, seed: int) -> None:
    """Load the demo directory: a deterministic, fictional county of 300+ services, and one
    account per role (their e-mail addresses and passwords are printed once)."""
    if not load_demo(if_empty=if_empty, seed=seed):
        return
    session = get_session()
    accounts = create_demo_accounts(session)
    session.commit()
    click.echo("Demo accounts (sign in at /login; the passwords are shown only now):")
    for email, role, password in accounts:
        click.echo(f"  {role:<14} {email:<40} {password or '(existed already; password unchanged)'}")
