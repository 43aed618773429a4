"""The `linkage` console script: the Flask CLI of this app (`flask --app wsgi` works the same)."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup
from sqlalchemy.exc import DBAPIError

from app import create_app
from kernel.config import ConfigError
from kernel.db import database_error_text


def _create() -> Flask:
    """A setting the app cannot use is a sentence naming the variable, not a traceback."""
    try:
        return create_app()
    except ConfigError as exc:
        raise click.ClickException(f"configuration: {exc}") from None


def main() -> None:
    cli = FlaskGroup(create_app=_create, help="Linkage: community resources, matching, referrals.")
    try:
        cli.main(prog_name="linkage")
    except DBAPIError as exc:
        # The last edge: a database error's own text holds its SQL statement and bound values
        # (names, phone numbers); only `--debug` shows them, as a traceback.
        if "--debug" in sys.argv[1:]:
            raise
        click.echo(f"Error: the database refused it: {database_error_text(exc)}", err=True)
        sys.exit(1)
