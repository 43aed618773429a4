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
from urllib.parse import urlsplit
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


def _flag(name: str, value: str) -> bool:
    text = value.strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be 1 or 0, not {value!r}")


def _count(name: str, value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from None
    if number < 0:
        raise ConfigError(f"{name} must be 0 or more, not {value!r}")
    return number


def _port(name: str, value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a port number, not {value!r}") from None
    if not 1 <= number <= 65535:
        raise ConfigError(f"{name} must be a port number from 1 to 65535, not {value!r}")
    return number


def _address(name: str, value: str) -> str | None:
    """An e-mail address such as `Linkage <linkage@example.org>`; unset is allowed."""
    if not value:
        return None
    if "@" not in value or any(c in value for c in "\r\n"):
        raise ConfigError(f"{name} must be an e-mail address such as linkage@example.org, not {value!r}")
    return value


def _base_url(name: str, value: str) -> str | None:
    """The address people open Linkage at, such as https://linkage.example.org; unset is allowed."""
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(f"{name} must be an address such as https://linkage.example.org, not {value!r}")
    return value.rstrip("/")


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


# The interface's languages (kernel.i18n.LANGUAGES names the same; config imports nothing of ours).
LANGUAGE_CODES = ("en", "es")


def _language(name: str, value: str) -> str:
    if value not in LANGUAGE_CODES:
        raise ConfigError(f"{name} must be one of {', '.join(LANGUAGE_CODES)}, not {value!r}")
    return value


# The roles of accounts (kernel.authz.ROLES names the same five; config imports nothing of ours).
ROLE_NAMES = ("social_worker", "officer", "provider", "coordinator", "admin")


def _roles(name: str, value: str) -> tuple[str, ...]:
    """A comma list of role names; an empty text means no role."""
    roles = tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
    unknown = [r for r in roles if r not in ROLE_NAMES]
    if unknown:
        raise ConfigError(f"{name}: {unknown[0]!r} is not a role; use any of {', '.join(ROLE_NAMES)}")
    return roles


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


def _labels(name: str, value: str) -> dict[str, str]:
    """A JSON object of code -> label (a vocabulary); empty keeps the defaults."""
    try:
        data = json.loads(value) if value.strip() else {}
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f'{name} must be a JSON object such as {{"no-capacity": "no capacity"}}: {exc.msg}'
        ) from None
    if not isinstance(data, dict) or not all(isinstance(v, str) and v.strip() for v in data.values()):
        raise ConfigError(
            f'{name} must be a JSON object of codes to labels, such as {{"no-capacity": "no capacity"}}'
        )
    return {str(k).strip(): v.strip() for k, v in data.items()}


def _codes(name: str, value: str) -> tuple[str, ...]:
    """A comma list of codes (the field view's quick needs); the codes are checked by the app."""
    codes = tuple(dict.fromkeys(part.strip().lower() for part in value.split(",") if part.strip()))
    if not codes:
        raise ConfigError(f"{name} must name at least one need, such as shelter,crisis,food")
    return codes


def _phone_lines(name: str, value: str) -> dict[str, str]:
    """A JSON object of a line's name -> its phone number, such as {"County crisis line": "614-555-0100"}."""
    try:
        data = json.loads(value) if value.strip() else {}
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f'{name} must be a JSON object such as {{"County crisis line": "614-555-0100"}}: {exc.msg}'
        ) from None
    if not isinstance(data, dict) or not all(
        isinstance(v, str) and sum(c.isdigit() for c in v) >= 3 for v in data.values()
    ):
        raise ConfigError(
            f"{name} must be a JSON object of names to phone numbers, "
            f'such as {{"County crisis line": "614-555-0100"}}'
        )
    return {str(k).strip(): v.strip() for k, v in data.items()}


# The quick buttons of the field view (field/needs.py names every code it knows).
FIELD_NEEDS = ("shelter", "crisis", "detox", "domestic-violence", "youth", "food")


def _hours_by_status(name: str, value: str) -> dict[str, float]:
    """A JSON object of referral status -> hours; the statuses are checked by the app."""
    try:
        data = json.loads(value) if value.strip() else {}
    except json.JSONDecodeError as exc:
        raise ConfigError(f'{name} must be a JSON object such as {{"requested": 24}}: {exc.msg}') from None
    if not isinstance(data, dict):
        raise ConfigError(f'{name} must be a JSON object such as {{"requested": 24}}')
    for status, hours in data.items():
        if isinstance(hours, bool) or not isinstance(hours, int | float) or not 0 < hours < 1e6:
            raise ConfigError(f"{name}: the hours of {status!r} must be a number above 0")
    return {str(k): float(v) for k, v in data.items()}


SETTINGS: tuple[Setting, ...] = (
    Setting("LINKAGE_ENV", "LINKAGE_ENV", "production", _env_name),
    # Local time of the deployment: the zone of a location whose schedules give no offset.
    Setting("LINKAGE_TIMEZONE", "TIMEZONE", "America/New_York", _zone),
    # A capacity figure older than its unit's maximum age is shown as stale, not as truth:
    # beds (and rooms, cots) change by the night, a waitlist by the week, other units here.
    Setting("LINKAGE_CAPACITY_STALE_HOURS", "CAPACITY_STALE_HOURS", 24.0, _number(0, above=True)),
    Setting("LINKAGE_CAPACITY_STALE_HOURS_BEDS", "CAPACITY_STALE_HOURS_BEDS", 12.0, _number(0, above=True)),
    Setting("LINKAGE_CAPACITY_STALE_HOURS_WAITLIST", "CAPACITY_STALE_HOURS_WAITLIST", 168.0, _number(0)),
    # A record nobody has confirmed current for this many days is in the verification queue.
    Setting("LINKAGE_VERIFICATION_DAYS", "VERIFICATION_DAYS", 90.0, _number(0, above=True)),
    # Optional online geocoder (see geo/online.py); unset means offline only.
    Setting("LINKAGE_GEOCODER", "GEOCODER", None, _optional),
    # Weights of the match score's components, over matching.weights.DEFAULTS.
    Setting("LINKAGE_MATCH_WEIGHTS", "MATCH_WEIGHTS", {}, _weights, alias="MATCH_WEIGHTS"),
    # Seconds the in-process index of service locations is kept before it is read again.
    Setting("LINKAGE_MATCH_INDEX_TTL", "MATCH_INDEX_TTL", 120.0, _number(0), alias="MATCH_INDEX_TTL"),
    # A signed-in session ends after this long without a request, and this long after sign-in.
    Setting("LINKAGE_SESSION_IDLE_HOURS", "SESSION_IDLE_HOURS", 8.0, _number(0, above=True)),
    Setting("LINKAGE_SESSION_MAX_HOURS", "SESSION_MAX_HOURS", 24.0, _number(0, above=True)),
    # The catalog (pages, search, match, the HSDS API) is open to all, like a 211 directory;
    # 0 makes it sign-in only. Client and referral data are never public.
    # How many reverse proxies stand in front of the app (0: none); their X-Forwarded-For,
    # -Proto and -Host are trusted, so the throttle and the audit log see the real address.
    Setting("LINKAGE_PROXY_HOPS", "PROXY_HOPS", 0, _count),
    Setting("LINKAGE_PUBLIC_CATALOG", "PUBLIC_CATALOG", True, _flag),
    # Outgoing mail (referrals/mail.py): `linkage worker` sends the outbox through this SMTP
    # server; with no host it sends nothing and says so (the outbox keeps what is queued).
    Setting("LINKAGE_SMTP_HOST", "SMTP_HOST", None, _optional),
    Setting("LINKAGE_SMTP_PORT", "SMTP_PORT", 587, _port),
    Setting("LINKAGE_SMTP_USER", "SMTP_USER", None, _optional),
    Setting("LINKAGE_SMTP_PASSWORD", "SMTP_PASSWORD", None, _optional),
    Setting("LINKAGE_SMTP_STARTTLS", "SMTP_STARTTLS", True, _flag),
    Setting("LINKAGE_MAIL_FROM", "MAIL_FROM", None, _address),
    # The language of e-mail Linkage writes (a provider's referral, a reminder): the reader's
    # own choice is not known outside a request, so the deployment says.
    Setting("LINKAGE_MAIL_LANGUAGE", "MAIL_LANGUAGE", "en", _language),
    # Where people open Linkage: links in e-mail written outside a request (cron, the worker).
    Setting("LINKAGE_BASE_URL", "BASE_URL", None, _base_url),
    # The roles that must sign in with a second factor (TOTP), unless an admin chose otherwise
    # for a role; unset: admin in production, none in development.
    Setting("LINKAGE_MFA_ROLES", "MFA_ROLES", None, _roles),
    # How long a hold on a bed or slot lasts before its unit comes back by itself.
    Setting("LINKAGE_HOLD_MINUTES", "HOLD_MINUTES", 120.0, _number(0, above=True)),
    # The referral vocabularies (code -> label); empty: the defaults of referrals.lifecycle.
    Setting("LINKAGE_REFERRAL_REASONS", "REFERRAL_REASONS", {}, _labels),
    Setting("LINKAGE_REFERRAL_OUTCOMES", "REFERRAL_OUTCOMES", {}, _labels),
    # Hours after entering a status until a referral is overdue, over the defaults.
    Setting("LINKAGE_FOLLOW_UP_HOURS", "FOLLOW_UP_HOURS", {}, _hours_by_status),
    # How often an open referral's page asks whether it changed (referral-poll.js).
    Setting("LINKAGE_REFERRAL_POLL_SECONDS", "REFERRAL_POLL_SECONDS", 15.0, _number(1)),
    # The field view (/field): its quick buttons, the deployment's own crisis lines beside 988
    # and 911, and how many days a list handed to a person (its link and QR code) keeps working.
    Setting("LINKAGE_FIELD_NEEDS", "FIELD_NEEDS", FIELD_NEEDS, _codes),
    Setting("LINKAGE_CRISIS_LINES", "CRISIS_LINES", {}, _phone_lines),
    Setting("LINKAGE_FIELD_LIST_DAYS", "FIELD_LIST_DAYS", 30.0, _number(0, above=True)),
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
    if config["MFA_ROLES"] is None:
        config["MFA_ROLES"] = ("admin",) if config["LINKAGE_ENV"] == "production" else ()
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = os.environ.get("SECRET_KEY") or _secret_key(data_dir)
    return config
