"""Configuration from the environment, so one checkout can run several independent instances.

`SETTINGS` is the one list of what a deployment may change: each entry names its environment
variable, the configuration key the code reads, its default and how its text is read. The
README's configuration table lists the same variables (a test keeps the two equal), and a
value that cannot be used stops the app at start with a sentence naming the variable.
"""

from __future__ import annotations

import json
import math
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class ConfigError(ValueError):
    """A setting whose value the app cannot use; the message names the variable."""


@dataclass(frozen=True)
class Setting:
    env: str  # the environment variable a deployment sets
    key: str  # the configuration key the code reads
    default: Any
    read: Callable[[str, str], Any]  # (variable, text) -> value, or ConfigError
    alias: str | None = None  # an older or shorter name still accepted


def _text(_name: str, value: str) -> str:
    return value


def _optional(_name: str, value: str) -> str | None:
    return value or None


def _number(minimum: float, *, above: bool = False) -> Callable[[str, str], float]:
    def read(name: str, value: str) -> float:
        try:
            number = float(value)
        except ValueError:
            raise ConfigError(f"{name} must be a number, not {value!r}") from None
        if not math.isfinite(number) or number < minimum or (above and number == minimum):
            bound = f"above {minimum:g}" if above else f"{minimum:g} or more"
            raise ConfigError(f"{name} must be {bound}, not {value!r}")
        return number

    return read


def _zone(name: str, value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{name} must be an IANA time zone such as America/New_York, not {value!r}"
        ) from None
    return value


def _env_name(name: str, value: str) -> str:
    if value not in {"development", "production"}:
        raise ConfigError(f"{name} must be development or production, not {value!r}")
    return value


def _weights(name: str, value: str) -> dict[str, float]:
    """A JSON object of score component -> weight; the component names are checked by the app."""
    try:
        data = json.loads(value) if value.strip() else {}
    except json.JSONDecodeError as exc:
        raise ConfigError(f'{name} must be a JSON object such as {{"distance": 3}}: {exc.msg}') from None
    if not isinstance(data, dict):
        raise ConfigError(f'{name} must be a JSON object such as {{"distance": 3}}')
    for component, weight in data.items():
        if isinstance(weight, bool) or not isinstance(weight, int | float):
            raise ConfigError(f"{name}: the weight of {component!r} must be a number")
    return {str(k): float(v) for k, v in data.items()}


SETTINGS: tuple[Setting, ...] = (
    Setting("LINKAGE_ENV", "LINKAGE_ENV", "production", _env_name),
    # Local time of the deployment: the zone of a location whose schedules give no offset.
    Setting("LINKAGE_TIMEZONE", "TIMEZONE", "America/New_York", _zone),
    # A capacity figure older than this is shown as stale, not as truth.
    Setting("LINKAGE_CAPACITY_STALE_HOURS", "CAPACITY_STALE_HOURS", 24.0, _number(0, above=True)),
    # Optional online geocoder (see geo/online.py); unset means offline only.
    Setting("LINKAGE_GEOCODER", "GEOCODER", None, _optional),
    # Weights of the match score's components, over matching.weights.DEFAULTS.
    Setting("LINKAGE_MATCH_WEIGHTS", "MATCH_WEIGHTS", {}, _weights, alias="MATCH_WEIGHTS"),
    # Seconds the in-process index of service locations is kept before it is read again.
    Setting("LINKAGE_MATCH_INDEX_TTL", "MATCH_INDEX_TTL", 120.0, _number(0), alias="MATCH_INDEX_TTL"),
    # A signed-in session ends after this long without a request, and this long after sign-in.
    Setting("LINKAGE_SESSION_IDLE_HOURS", "SESSION_IDLE_HOURS", 8.0, _number(0, above=True)),
    Setting("LINKAGE_SESSION_MAX_HOURS", "SESSION_MAX_HOURS", 24.0, _number(0, above=True)),
)
# Read outside SETTINGS because the others depend on them (data dir) or they are secrets.
SPECIAL = ("LINKAGE_DATA_DIR", "DATABASE_URL", "SECRET_KEY")


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


def _from_env(setting: Setting) -> Any:
    for name in (setting.env, setting.alias):
        if name and os.environ.get(name) is not None:
            return setting.read(name, os.environ[name])
    default = setting.default
    return dict(default) if isinstance(default, dict) else default


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the app configuration: environment first, then explicit overrides (tests, tools)."""
    overrides = dict(overrides or {})
    data_dir = Path(overrides.get("DATA_DIR") or data_dir_from_env()).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    config: dict[str, Any] = {
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{data_dir / 'linkage.db'}",
        "JSON_SORT_KEYS": False,
    }
    for setting in SETTINGS:
        config[setting.key] = _from_env(setting)
    # The session cookie: never readable by scripts, not sent on cross-site sub-requests,
    # and in production only over HTTPS.
    config["SESSION_COOKIE_HTTPONLY"] = True
    config["SESSION_COOKIE_SAMESITE"] = "Lax"
    config["SESSION_COOKIE_SECURE"] = config["LINKAGE_ENV"] == "production"
    config.update({k: v for k, v in overrides.items() if k != "DATA_DIR"})
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = os.environ.get("SECRET_KEY") or _secret_key(data_dir)
    return config
