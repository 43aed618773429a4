"""The `linkage` console script: the Flask CLI of this app (`flask --app wsgi` works the same)."""

from __future__ import annotations

from flask.cli import FlaskGroup


def main() -> None:
    from app import create_app

    cli = FlaskGroup(
        create_app=lambda: create_app(), help="Linkage: community resources, matching, referrals."
    )
    cli.main(prog_name="linkage")
