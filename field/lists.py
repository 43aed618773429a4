"""The link of a list handed to a person: `/field/list/<token>`, no account needed.

The token holds only which services (and at which location) were picked, and the language
the person reads: no client data, nothing stored. It is signed with the app's secret
(itsdangerous, Flask's own dependency) and dated, so a changed token matches nothing and an
old one stops after `LINKAGE_FIELD_LIST_DAYS`. Each pick is 32 bytes (two UUIDs), so six
picks make a link short enough for a QR code a phone reads at arm's length.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner

from kernel.config import LANGUAGE_CODES
from kernel.errors import Problem
from wording import _

MAX_PICKS = 6
_SALT = "linkage.field.list"
_NO_LOCATION = uuid.UUID(int=0)


@dataclass(frozen=True)
class Pick:
    """One picked result: a service, at one of its locations (or none)."""

    service_id: uuid.UUID
    location_id: uuid.UUID | None = None

    def __str__(self) -> str:
        return f"{self.service_id}:{self.location_id}" if self.location_id else str(self.service_id)

    @classmethod
    def parse(cls, text: str) -> Pick:
        """`<service id>` or `<service id>:<location id>`, as the result's checkbox sends it."""
        service, _sep, location = text.strip().partition(":")
        return cls(uuid.UUID(service), uuid.UUID(location) if location else None)


def parse_picks(values: list[str]) -> list[Pick]:
    """The checked results, in order, once each, at most MAX_PICKS; unreadable ones are dropped."""
    out: list[Pick] = []
    for value in values:
        try:
            pick = Pick.parse(value)
        except ValueError:
            continue
        if pick not in out:
            out.append(pick)
    return out[:MAX_PICKS]


class ListUnknown(Problem):
    def __init__(self) -> None:
        super().__init__(
            404, _("This list's link is not valid. It may be incomplete or changed."), title="Unknown link"
        )


class ListExpired(Problem):
    def __init__(self) -> None:
        super().__init__(
            410,
            _("This list's link has expired. Ask for a new one, or call 211 for help."),
            title="Link expired",
        )


def _signer(secret: str) -> TimestampSigner:
    return TimestampSigner(secret, salt=_SALT)


def make_token(secret: str, picks: list[Pick], language: str) -> str:
    """The signed token of these picks, read in `language` (en or es)."""
    if language not in LANGUAGE_CODES:
        raise ValueError(f"language must be one of {LANGUAGE_CODES}")
    raw = b"".join(p.service_id.bytes + (p.location_id or _NO_LOCATION).bytes for p in picks[:MAX_PICKS])
    body = language + base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return _signer(secret).sign(body).decode()


def read_token(secret: str, token: str, max_days: float) -> tuple[list[Pick], str]:
    """The picks and language of a token; ListUnknown if changed, ListExpired if too old."""
    try:
        body = _signer(secret).unsign(token, max_age=int(max_days * 86400)).decode()
    except SignatureExpired:
        raise ListExpired() from None
    except BadSignature:
        raise ListUnknown() from None
    language, data = body[:2], body[2:]
    try:
        raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    except ValueError:
        raise ListUnknown() from None
    if language not in LANGUAGE_CODES or len(raw) % 32 or not raw:
        raise ListUnknown()
    picks = []
    for i in range(0, min(len(raw), 32 * MAX_PICKS), 32):
        location = uuid.UUID(bytes=raw[i + 16 : i + 32])
        picks.append(Pick(uuid.UUID(bytes=raw[i : i + 16]), None if location == _NO_LOCATION else location))
    return picks, language
