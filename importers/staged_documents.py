"""The search documents of an import's new services, built before the publish (SQLite).

Rebuilding the search documents was a third of the publish of a large first import, all of it
under SQLite's write lock. The documents of new services depend only on rows the import adds,
so they are built while preparing, from the staging file itself: views named after the
catalog's tables union the staged groups of each table (columns a group lacks are NULL, as
the insert leaves them), `search.documents.build_all` reads them as it reads the catalog, and
the documents and their term links are written to two more staging tables. The publish copies
them with `INSERT ... SELECT` like the other rows (`copy`).

A new service is built here only when everything its document reads is staged too: its
organization and program, the locations it is offered at, and every taxonomy term (with its
ancestors) its attributes name. Any other (one that names an organization already in the
catalog, say) is built in the publish, from the catalog as it is then, as before; so is any
service that a change to an existing record touches in the publish.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from catalog.models import HSDS_MODELS
from search import documents
from search.models import search_document

# What search.documents.build_all reads.
READ_TABLES = (
    "service", "organization", "program", "service_at_location", "location", "address", "language",
    "accessibility", "service_area", "attribute", "cost_option", "schedule", "taxonomy_term",
)  # fmt: skip
DOCS, LINKS = "search_docs", "search_links"
DOC_COLUMNS = [c.name for c in search_document.c if c.name != "id"]


def prepare(db: Any, path: str, groups: dict[tuple[str, tuple[str, ...]], str], in_memory: list[Any]) -> int:
    """Build the documents of the staged services that need nothing outside the staging file,
    into its tables DOCS and LINKS (`db`: the staging file's sqlite3 connection, in autocommit).
    Returns how many documents were staged."""
    if any(b.table.name in READ_TABLES for b in in_memory):
        return 0  # rows left to column defaults are not in the file: build all in the publish
    for name in READ_TABLES:
        cols = [c.name for c in HSDS_MODELS[name].__table__.c]
        parts = [
            "SELECT "
            + ", ".join(f'"{c}"' if c in keys else f'NULL AS "{c}"' for c in cols)
            + f' FROM "{stage}"'
            for (table, keys), stage in groups.items()
            if table == name
        ]
        if not parts:
            parts = ["SELECT " + ", ".join(f'NULL AS "{c}"' for c in cols) + " WHERE 0"]
        db.execute(f'CREATE VIEW "{name}" AS ' + " UNION ALL ".join(parts))
    try:
        engine = create_engine(f"sqlite:///{path}", poolclass=NullPool)
        with engine.connect() as conn:
            terms = documents.Terms(conn, raw=True)
            docs = documents.build_all(conn, terms)
        engine.dispose()
        kept = _complete(db, terms, docs)
    finally:
        for name in READ_TABLES:
            db.execute(f'DROP VIEW "{name}"')
    quoted = ", ".join(f'"{c}"' for c in DOC_COLUMNS)
    db.execute(f'CREATE TABLE "{DOCS}" ({quoted})')
    db.execute(f'CREATE TABLE "{LINKS}" ("doc_key", "term_id")')
    marks = ", ".join("?" for _ in DOC_COLUMNS)
    db.executemany(f'INSERT INTO "{DOCS}" VALUES ({marks})', (tuple(d[c] for c in DOC_COLUMNS) for d in kept))
    db.executemany(f'INSERT INTO "{LINKS}" VALUES (?, ?)', ((d["key"], t) for d in kept for t in d["_terms"]))
    return len(kept)


def _complete(db: Any, terms: documents.Terms, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The documents of services whose every read row is staged (see the module's docstring)."""

    def staged(table: str) -> set[Any]:
        return {r[0] for r in db.execute(f'SELECT id FROM "{table}"')}

    def term_ok(tid: Any) -> bool:
        seen = set()
        while tid is not None:
            if tid not in terms.rows or tid in seen:
                return False
            seen.add(tid)
            tid = terms.rows[tid][2]
        return True

    orgs, programs, locations = staged("organization"), staged("program"), staged("location")
    bad_links = {
        link
        for link, tid in db.execute("SELECT link_id, taxonomy_term_id FROM attribute")
        if tid is not None and not term_ok(tid)
    }
    bad: set[Any] = set()
    for sid, org, program in db.execute("SELECT id, organization_id, program_id FROM service"):
        if (
            sid in bad_links
            or (org is not None and org not in orgs)
            or (program is not None and program not in programs)
        ):
            bad.add(sid)
    for sal, sid, loc in db.execute("SELECT id, service_id, location_id FROM service_at_location"):
        if sal in bad_links or (loc is not None and (loc not in locations or loc in bad_links)):
            bad.add(sid)
    return [d for d in docs if d["service_id"] not in bad]


def copy(conn: Any, alias: str | None, stage_db: Any, skip: set[str]) -> int:
    """Copy the staged documents (but those of the services in `skip`, raw ids) and their term
    links into the catalog on `conn`; returns how many documents were copied."""
    if skip:
        stage_db.executemany(f'DELETE FROM "{DOCS}" WHERE service_id = ?', [(s,) for s in skip])
        stage_db.execute(f'DELETE FROM "{LINKS}" WHERE doc_key NOT IN (SELECT "key" FROM "{DOCS}")')
    cols = ", ".join(f'"{c}"' for c in DOC_COLUMNS)
    if alias is not None:
        conn.exec_driver_sql(
            f'INSERT INTO main.search_document ({cols}) SELECT {cols} FROM "{alias}"."{DOCS}" ORDER BY rowid'
        )
        conn.exec_driver_sql(
            "INSERT INTO main.search_document_term (doc_key, term_id)"
            f' SELECT doc_key, term_id FROM "{alias}"."{LINKS}"'
        )
    else:
        driver = conn.connection.driver_connection
        marks = ", ".join("?" for _ in DOC_COLUMNS)
        driver.executemany(
            f"INSERT INTO search_document ({cols}) VALUES ({marks})",
            stage_db.execute(f'SELECT {cols} FROM "{DOCS}" ORDER BY rowid'),
        )
        driver.executemany(
            "INSERT INTO search_document_term (doc_key, term_id) VALUES (?, ?)",
            stage_db.execute(f'SELECT doc_key, term_id FROM "{LINKS}"'),
        )
    return int(stage_db.execute(f'SELECT count(*) FROM "{DOCS}"').fetchone()[0])


def services(stage_db: Any) -> set[str]:
    """The services (raw ids) whose documents are staged."""
    return {r[0] for r in stage_db.execute(f'SELECT DISTINCT service_id FROM "{DOCS}"')}
