"""Configuration from the environment, so one checkout can run several independent instances."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

DEFAULT_MATCH_WEIGHTS: dict[str, float] = {}


def data_dir_from_env() -> Path:
    """Where the SQLite file and the generated secret live (`LINKAGE_DATA_DIR`, default instance/)."""
    return Path(os.environ.get("LINKAGE_DATA_DIR") or "instance").resolve()


def _secret_key(data_dir: Path) -> str:
    """Read the secret kept in the data dir, creating it on first run; there is never a fixed default."""
    path = data_dir / "secret_key"
    if path.exists():
        value = path.read_text().strip()
        if value:
            return value
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value + "\n")
    return value


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the app configuration: environment first, then explicit overrides (tests, tools)."""
    overrides = dict(overrides or {})
    data_dir = Path(overrides.get("DATA_DIR") or data_dir_from_env()).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    config: dict[str, Any] = {
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{data_dir / 'linkage.db'}",
        "LINKAGE_ENV": os.environ.get("LINKAGE_ENV", "production"),
        # Local time of the deployment; schedules in HSDS carry only a UTC offset.
        "TIMEZONE": os.environ.get("LINKAGE_TIMEZONE", "America/New_York"),
        # A capacity figure older than this is shown as stale, not as truth.
        "CAPACITY_STALE_HOURS": float(os.environ.get("LINKAGE_CAPACITY_STALE_HOURS", "24")),
        # Optional online geocoder (see geo/); None means offline only.
        "GEOCODER": os.environ.get("LINKAGE_GEOCODER") or None,
        "MATCH_WEIGHTS": dict(DEFAULT_MATCH_WEIGHTS),
        "JSON_SORT_KEYS": False,
    }
    config.update({k: v for k, v in overrides.items() if k != "DATA_DIR"})
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = os.environ.get("SECRET_KEY") or _secret_key(data_dir)
    return config
