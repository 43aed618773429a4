"""`linkage import` and `linkage duplicates`: the edge that commits once or rolls back."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from importers.duplicates import DuplicateError, keep_apart, list_candidates, merge
from importers.lock import ImportBusy, acquire, break_lock, release
from importers.operations import FLUSH_EVERY, run_import
from importers.progress import ProgressBar
from importers.report import ImportFailed
from kernel.db import database_error_text, get_db, get_session, show_parameters

FORMATS = ("auto", "hsds-json", "hsds-csv", "ohana-csv", "spreadsheet")


@click.command("import")
@click.argument("path")
@click.option("--source", default=None, help="Name of the source (default: the file or folder name).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="auto", show_default=True)
@click.option(
    "--mapping", type=click.Path(dir_okay=False), default=None, help="YAML mapping for spreadsheets."
)
@click.option(
    "--report",
    "report_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the JSON report here.",
)
@click.option("--dry-run", is_flag=True, help="Read, check and report; write nothing.")
@click.option(
    "--batch-rows",
    type=click.IntRange(min=1),
    default=FLUSH_EVERY,
    show_default=True,
    help="Rows written at a time (all in the import's one transaction).",
)
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=0.0,
    help="Seconds to wait for an import already running to end (default: do not wait).",
)
@click.option(
    "--break-lock",
    "force_unlock",
    is_flag=True,
    help="First remove the lock of an import that died on another host (see `import_lock`).",
)
@click.option(
    "--debug", is_flag=True, help="Show the traceback of an unexpected error, SQL and values included."
)
@with_appcontext
def import_command(
    path: str,
    source: str | None,
    fmt: str,
    mapping: str | None,
    report_file: str | None,
    dry_run: bool,
    batch_rows: int,
    wait: float,
    force_unlock: bool,
    debug: bool,
) -> None:
    """Import a directory (HSDS JSON or CSV, Ohana CSV, a spreadsheet) as one transaction."""
    name = source or Path(path.rstrip("/")).stem or "import"
    engine = get_db().engine
    assert engine is not None
    if debug:
        show_parameters(engine)
    # The lock goes where the import's session goes: its own transactions on the engine, or
    # savepoints on the one connection the app's sessions are bound to when they are.
    bound = get_db().sessionmaker.kw.get("bind") if get_db().sessionmaker is not None else None
    lock_on: Engine | Connection = bound if isinstance(bound, Connection) else engine
    if force_unlock:
        held = break_lock(lock_on)
        if held is not None:
            click.echo(
                f"Removed the lock of the import from source {held.source!r} ({held.pid} on {held.host})."
            )
    try:
        acquire(lock_on, name, wait=wait)
    except ImportBusy as exc:
        raise click.ClickException(f"import not started, nothing was written: {exc}") from None
    try:
        _import(path, name, fmt, mapping, report_file, dry_run, batch_rows, debug)
    finally:
        release(lock_on)


def _import(
    path: str,
    name: str,
    fmt: str,
    mapping: str | None,
    report_file: str | None,
    dry_run: bool,
    batch_rows: int,
    debug: bool,
) -> None:
    session = get_session()
    session.info["actor"] = f"import:{name}"
    session.info["channel"] = "import"
    try:
        report = run_import(
            session,
            path,
            source=name,
            format=fmt,
            mapping=mapping,
            dry_run=dry_run,
            progress=ProgressBar(),
            batch_rows=batch_rows,
        )
        session.commit()
    except ImportFailed as exc:
        session.rollback()
        raise click.ClickException(f"import failed, nothing was written: {exc}") from None
    except DBAPIError as exc:
        session.rollback()
        if debug:
            raise
        # Never the statement or its rows: they hold the source's names and phone numbers.
        raise click.ClickException(
            "import failed, nothing was written: the database refused it:"
            f" {database_error_text(exc)} (run with --debug for details)"
        ) from None
    except Exception as exc:
        session.rollback()
        if debug:
            raise
        raise click.ClickException(
            f"import failed, nothing was written: unexpected {type(exc).__name__}: {exc}"
            " (run with --debug for details)"
        ) from None
    if report_file:
        Path(report_file).write_text(report.to_json(), encoding="utf-8")
    click.echo(report.to_text())
    if not report.balanced:  # pragma: no cover - a bug in a reader, never expected
        click.echo("warning: the report's counts do not add up", err=True)
        sys.exit(2)


@click.group("duplicates")
def duplicates_group() -> None:
    """Review possible duplicates across sources: list, merge, keep apart."""


@duplicates_group.command("list")
@click.option("--all", "show_all", is_flag=True, help="Also list decided pairs.")
@with_appcontext
def duplicates_list(show_all: bool) -> None:
    rows = list_candidates(get_session(), include_decided=show_all)
    if not rows:
        click.echo("No duplicate candidates.")
        return
    for c in rows:
        click.echo(
            f"{c['id']}  {c['score']:5.1f}  {c['status']:<10} {c['name_a']!r} ({c['source_a']})"
            f" ~ {c['name_b']!r} ({c['source_b']})  [{c['why']}]"
        )


def _decide(candidate: str, action: str, keep: str | None) -> None:
    session = get_session()
    session.info["actor"] = "duplicates-review"
    try:
        cid = uuid.UUID(candidate)
    except ValueError:
        raise click.ClickException(
            f"{candidate!r} is not a candidate id (see `linkage duplicates list`)"
        ) from None
    try:
        if action == "merge":
            merge(session, cid, keep=uuid.UUID(keep) if keep else None)
        else:
            keep_apart(session, cid)
        session.commit()
    except (DuplicateError, ValueError) as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from None
    click.echo("Merged." if action == "merge" else "Kept apart.")


@duplicates_group.command("merge")
@click.argument("candidate")
@click.option("--keep", default=None, help="Id of the record to keep (default: the older one, record A).")
@with_appcontext
def duplicates_merge(candidate: str, keep: str | None) -> None:
    """Merge a pair: one record stays, the other becomes inactive; both keep their provenance."""
    _decide(candidate, "merge", keep)


@duplicates_group.command("keep-apart")
@click.argument("candidate")
@with_appcontext
def duplicates_keep_apart(candidate: str) -> None:
    """Mark a pair as two different records; it is not proposed again."""
    _decide(candidate, "keep-apart", None)
