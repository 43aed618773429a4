"""Configuration from the environment: data dir, generated secret, database URL."""

from __future__ import annotations

import stat
import uuid

import pytest

from app import create_app
from kernel.config import ConfigError, load_config


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("LINKAGE_DATA_DIR", str(tmp_path / "one"))
    first = load_config()["SECRET_KEY"]
    second = load_config()["SECRET_KEY"]
    assert first == second
    assert len(first) >= 64
    secret_file = tmp_path / "one" / "secret_key"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600


def test_two_data_dirs_are_two_instances(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("LINKAGE_DATA_DIR", str(tmp_path / "a"))
    a = load_config()
    monkeypatch.setenv("LINKAGE_DATA_DIR", str(tmp_path / "b"))
    b = load_config()
    assert a["SECRET_KEY"] != b["SECRET_KEY"]
    assert a["DATABASE_URL"] == f"sqlite:///{tmp_path / 'a' / 'linkage.db'}"
    assert b["DATABASE_URL"] == f"sqlite:///{tmp_path / 'b' / 'linkage.db'}"


def test_environment_wins_over_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("LINKAGE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://example/db")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("LINKAGE_ENV", "development")
    cfg = load_config()
    assert (cfg["DATABASE_URL"], cfg["SECRET_KEY"], cfg["LINKAGE_ENV"]) == (
        "postgresql+psycopg://example/db",
        "from-env",
        "development",
    )
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize("url", ["sqlite:///{tmp}/wal.db"])
def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path, url):
    application = create_app({"DATA_DIR": str(tmp_path), "DATABASE_URL": url.format(tmp=tmp_path)})
    engine = application.extensions["linkage_db"].engine
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_uuid7_is_time_ordered_and_well_formed() -> None:
    from kernel.db import uuid7

    ids = [uuid7() for _ in range(2000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert {u.version for u in ids} == {7}
    assert {u.variant for u in ids} == {uuid.RFC_4122}


def test_match_weights_and_index_ttl_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("LINKAGE_MATCH_WEIGHTS", '{"distance": 5, "capacity": 0.5}')
    monkeypatch.setenv("LINKAGE_MATCH_INDEX_TTL", "30")
    application = create_app({"DATA_DIR": str(tmp_path)})
    assert application.config["MATCH_WEIGHTS"] == {"distance": 5.0, "capacity": 0.5}
    assert application.config["MATCH_INDEX_TTL"] == 30.0


def test_the_short_names_of_the_match_settings_are_accepted(tmp_path, monkeypatch):
    monkeypatch.delenv("LINKAGE_MATCH_WEIGHTS", raising=False)
    monkeypatch.delenv("LINKAGE_MATCH_INDEX_TTL", raising=False)
    monkeypatch.setenv("MATCH_WEIGHTS", '{"open": 2}')
    monkeypatch.setenv("MATCH_INDEX_TTL", "0")
    cfg = load_config({"DATA_DIR": str(tmp_path)})
    assert (cfg["MATCH_WEIGHTS"], cfg["MATCH_INDEX_TTL"]) == ({"open": 2.0}, 0.0)


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("LINKAGE_MATCH_WEIGHTS", "{distance: 5}", "must be a JSON object"),
        ("LINKAGE_MATCH_WEIGHTS", "[1, 2]", "must be a JSON object"),
        ("LINKAGE_MATCH_WEIGHTS", '{"distance": "far"}', "'distance' must be a number"),
        ("LINKAGE_MATCH_WEIGHTS", '{"distanse": 2}', "distanse is not a score component"),
        ("LINKAGE_MATCH_INDEX_TTL", "two minutes", "must be a number"),
        ("LINKAGE_MATCH_INDEX_TTL", "-1", "0 or more"),
        ("LINKAGE_CAPACITY_STALE_HOURS", "0", "above 0"),
        ("LINKAGE_TIMEZONE", "Eastern", "IANA time zone"),
        ("LINKAGE_ENV", "staging", "development or production"),
    ],
)
def test_a_setting_that_cannot_be_used_stops_the_app_naming_the_variable(
    tmp_path, monkeypatch, variable, value, says
):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        create_app({"DATA_DIR": str(tmp_path)})
    assert variable in str(caught.value)
    assert says in str(caught.value)
