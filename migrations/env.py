"""Alembic environment: the URL comes from `linkage init` or from the app's configuration."""

from __future__ import annotations

import warnings

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SAWarning

import catalog.models  # noqa: F401  (registers the catalog tables)
from kernel.config import load_config
from kernel.db import Base, make_engine

config = context.config
target_metadata = Base.metadata


def _import_all_models() -> None:
    """Every module that owns tables is imported here, so autogenerate sees them all.

    A list, not a scan: a package that gains tables adds its module, and a wrong name fails.
    """
    import importlib  # only when Alembic runs: the model modules pull in the whole catalog

    for name in (
        "catalog.models",
        "search.models",
        "importers.models",
        "importers.lock",
        "kernel.geocoding",
        "accounts.models",
        "kernel.outbox",
        "kernel.links",
        "catalog.capacity",
        "catalog.verification",
        "catalog.reports",
        "search.unmet",
        "referrals.models",
    ):
        importlib.import_module(name)


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    return load_config()["DATABASE_URL"]


# Objects made in raw SQL that autogenerate cannot describe: the search index's FTS5 and
# R*Tree virtual tables (and their shadow tables), PostgreSQL's generated tsvector and matching's
# expression index on SQLite.
_RAW_PREFIXES = (
    "search_fts",
    "search_geo",
    "search_vocab",
    "search_generation",
    "capacity_generation",
    "capacity_changed",
)
_RAW_NAMES = {"ix_search_document_tsv", "ix_search_document_match"}
# SQLAlchemy cannot reflect an index on an expression and says so before include_object
# can leave it out; that index is one of the raw names above.
warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index", SAWarning)


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    if name and (name.startswith(_RAW_PREFIXES) or name in _RAW_NAMES):
        return False
    table = getattr(obj, "table", None)
    return not (type_ == "column" and name == "tsv" and getattr(table, "name", "") == "search_document")


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, render_as_batch=True, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    _import_all_models()
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
