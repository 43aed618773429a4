"""Migrations build the schema from empty, have one head, and match the models."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from app.commands import alembic_config


def test_one_head(database_url: str) -> None:
    script = ScriptDirectory.from_config(alembic_config(database_url))
    assert len(script.get_heads()) == 1


def test_upgrade_from_empty_matches_models(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    cfg: Config = alembic_config(url)
    command.upgrade(cfg, "head")
    command.check(cfg)  # raises when the models and the migrated schema differ
    from kernel.db import make_engine

    eng = make_engine(url)
    tables = set(inspect(eng).get_table_names())
    eng.dispose()
    assert {
        "service",
        "organization",
        "location",
        "service_capacity",
        "unit",
        "metadata",
        "attribute",
    } <= tables


def test_the_suite_database_matches_models(engine) -> None:
    with engine.connect() as conn:
        cfg = alembic_config(str(engine.url.render_as_string(hide_password=False)))
        cfg.attributes["connection"] = conn
        command.check(cfg)
