"""The text message of a list handed to a person: short enough for one or two messages.

Two SMS segments hold 306 characters of the GSM alphabet (153 each when split). The body
keeps every pick's name and phone; it drops the hours, then the addresses, then the last
picks, until it fits. The words are in the language of the request (the view asks for the
person's language with `force_locale`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from wording import _

SMS_LIMIT = 306


def _line(card: dict[str, Any], *, address: bool, hours: bool) -> str:
    parts = [card["name"]]
    if card.get("phone"):
        parts.append(card["phone"])
    if address and card.get("address"):
        parts.append(card["address"])
    if hours and card.get("hours_label"):
        parts.append(card["hours_label"])
    return " - ".join(parts)


def sms_body(cards: Sequence[dict[str, Any]], limit: int = SMS_LIMIT) -> str:
    """Names, phones, addresses and hours of the picks, within `limit` characters."""
    if not cards:
        return ""
    head = _("Help near you (from Linkage):")
    for count in range(len(cards), 0, -1):
        for address, hours in ((True, True), (True, False), (False, False)):
            lines = [_line(c, address=address, hours=hours) for c in cards[:count]]
            body = "\n".join([head, *lines])
            if len(body) <= limit:
                return body
    return "\n".join([head, _line(cards[0], address=False, hours=False)])[:limit]


def sms_href(body: str) -> str:
    """An `sms:` link that opens the phone's messages with the body written, no number chosen."""
    return "sms:?&body=" + quote(body, safe="")
