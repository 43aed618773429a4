"""`linkage index rebuild` and `linkage synonyms list|add|remove`."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext

from kernel.db import get_session
from search.rebuild import rebuild
from search.synonyms import add_synonym, list_synonyms, remove_synonym


@click.group("index")
def index_group() -> None:
    """The full-text search index (kept inside the database)."""


@index_group.command("rebuild")
@with_appcontext
def rebuild_command() -> None:
    """Rebuild every search document from the catalog, in one transaction."""
    session = get_session()
    started = time.perf_counter()
    count = rebuild(session)
    session.commit()
    click.echo(f"Indexed {count} documents in {time.perf_counter() - started:.1f} s.")


@click.group("synonyms")
def synonyms_group() -> None:
    """Synonyms that widen searches (lay and professional words)."""


@synonyms_group.command("list")
@with_appcontext
def list_command() -> None:
    """Print every synonym pair."""
    for row in list_synonyms(get_session()):
        click.echo(f"{row.term}\t{row.synonym}")


@synonyms_group.command("add")
@click.argument("term")
@click.argument("synonym")
@with_appcontext
def add_command(term: str, synonym: str) -> None:
    """Make TERM and SYNONYM find each other."""
    session = get_session()
    session.info["actor"] = "cli"
    try:
        row = add_synonym(session, term, synonym)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    session.commit()
    click.echo(f"{row.term} ~ {row.synonym}")


@synonyms_group.command("remove")
@click.argument("term")
@click.argument("synonym", required=False)
@with_appcontext
def remove_command(term: str, synonym: str | None) -> None:
    """Remove the pair TERM SYNONYM, or every pair of TERM."""
    session = get_session()
    session.info["actor"] = "cli"
    removed = remove_synonym(session, term, synonym)
    session.commit()
    click.echo(f"Removed {removed} pair(s).")
