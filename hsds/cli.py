"""`linkage export hsds DIR --format json|csv [--version 3.0|3.1]`: the catalog out as HSDS,
read-only."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from hsds import versions
from hsds.export import ExportError, export_hsds
from kernel.db import get_session


@click.group("export")
def export_group() -> None:
    """Write the catalog out in a standard format."""


@export_group.command("hsds")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "csv"]),
    default="json",
    show_default=True,
    help="json: fully nested services; csv: the tabular datapackage with datapackage.json.",
)
@click.option(
    "--version",
    "version",
    type=click.Choice(versions.VERSIONS),
    default=versions.DEFAULT,
    show_default=True,
    help="3.0: only fields HSDS 3.0 defines; 3.1: adds service capacities (and their tables in csv).",
)
@click.option("--ndjson", is_flag=True, help="With --format json: services.ndjson, one service a line.")
@with_appcontext
def export_hsds_command(directory: str, fmt: str, ndjson: bool, version: str) -> None:
    """Export the whole catalog as HSDS (3.0 unless --version 3.1) into DIRECTORY (created if missing)."""
    session = get_session()
    try:
        report = export_hsds(session, directory, format=fmt, ndjson=ndjson, version=version)
    except (ExportError, OSError) as exc:
        raise click.ClickException(f"export failed: {exc}") from None
    finally:
        session.rollback()
    for line in report.lines():
        click.echo(line)
    click.echo(f"Exported HSDS {report.version} ({report.format}) to {report.directory}")
