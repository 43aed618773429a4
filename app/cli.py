"""The `linkage` console script: the Flask CLI of this app (`flask --app wsgi` works the same)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup

from app import create_app
from kernel.config import ConfigError


def _create() -> Flask:
    """A setting the app cannot use is a sentence naming the variable, not a traceback."""
    try:
        return create_app()
    except ConfigError as exc:
        raise click.ClickException(f"configuration: {exc}") from None


def main() -> None:
    cli = FlaskGroup(create_app=_create, help="Linkage: community resources, matching, referrals.")
    cli.main(prog_name="linkage")
