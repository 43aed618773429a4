"""Clean values the way sources get them wrong, and say what was changed.

Each function returns the cleaned value; `normalize_record` applies them to one HSDS 3.0
record and returns the changes worth a flag in the report (a cleaned-up state code is
flagged, a trimmed space is not: trimming is silent because it never changes meaning).
"""

from __future__ import annotations

import html
import re
from typing import Any

from geo.states import state_code
from geo.zipdata import normalize_zip

_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^<>]*>")
_BREAK = re.compile(r"<\s*(br|/p|/li|/div|/tr)\b[^>]*>", re.IGNORECASE)
# ###MON### / ###COL### export markers, also where the export cut them short ("###MON##", "MON###").
_MARKER = re.compile(r"#{2,}[A-Z]{3,}#*|\b[A-Z]{3,}#{2,}")
_BLANK_LINES = re.compile(r"\n{3,}")
_SPACES = re.compile(r"[ \t\u00a0]+")
_DIGITS = re.compile(r"\d")
_SPACING = ("\n", "\r", "\t", "  ", "\u00a0")
_BARE_DOMAIN = re.compile(r"^(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?:[/?#]\S*)?$", re.IGNORECASE)
_EXT = re.compile(r"\s*(?:x|ext\.?|extension)\s*(\d+)\s*$", re.IGNORECASE)


def clean_text(value: Any) -> Any:
    """Trim; literal backslash-n to new lines; drop markup and ###MARKER### tags; None if empty."""
    if not isinstance(value, str):
        return value
    text = value
    if "\\" in text:
        text = text.replace("\\r\\n", "\n").replace("\\n", "\n").replace("\\t", " ")
    if "<" in text and ">" in text:
        text = _BREAK.sub("\n", text)
        text = _TAG.sub("", text)
    if "&" in text:
        text = html.unescape(text)
    if "##" in text:
        text = _MARKER.sub("", text)
    if not any(c in text for c in _SPACING):  # one line, single spaces: trimming is all
        return text.strip() or None
    text = "\n".join(_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n"))
    text = _BLANK_LINES.sub("\n\n", text).strip()
    return text or None


def clean_state(value: Any) -> Any:
    """ "FL " and "Florida" become "FL"; unknown text is kept (other countries have provinces)."""
    if not isinstance(value, str) or not value.strip():
        return None
    code = state_code(value.strip())
    return code or value.strip()


def clean_country(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().upper()
    if text in ("USA", "UNITED STATES", "UNITED STATES OF AMERICA", "U.S.", "U.S.A."):
        return "US"
    return text


def clean_postal_code(value: Any) -> Any:
    """ "2134" (a spreadsheet ate the zero) becomes "02134"; ZIP+4 is kept as written."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return normalize_zip(value) or str(value)
    text = str(value).strip()
    if not text:
        return None
    if text.isdigit() and len(text) in (3, 4):
        return normalize_zip(text) or text
    return text


def clean_phone(value: Any) -> tuple[str | None, int | None]:
    """A US number as "305-555-0100" (extension split off); other numbers only trimmed."""
    if value is None:
        return None, None
    text = str(value).strip()
    if not text:
        return None, None
    ext = None
    m = _EXT.search(text)
    if m:
        ext = int(m.group(1))
        text = text[: m.start()].strip()
    digits = "".join(_DIGITS.findall(text))
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) == 10 and not text.startswith("+") or (len(digits) == 10 and text.startswith("+1")):
        return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}", ext
    return text, ext


TEXT_FIELDS_SKIP = {"id", "opens_at", "closes_at", "byday", "freq", "email", "url", "website"}


def normalize_record(table: str, rec: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """Clean one flat HSDS record in place; returns (field, what was done, old value) per fix."""
    changes: list[tuple[str, str, Any]] = []
    raw_state, raw_country = rec.get("state_province"), rec.get("country")
    for key, value in list(rec.items()):
        if isinstance(value, str):
            if key in TEXT_FIELDS_SKIP or key.endswith("_id"):
                stripped = value.strip()
                rec[key] = stripped or None
                continue
            cleaned = clean_text(value)
            if cleaned != (value.strip() or None) and ("\\n" in value or "###" in value or "<" in value):
                changes.append((key, "cleaned literal \\n, markup or ###markers### from text", value[:60]))
            rec[key] = cleaned
    if table == "address":
        rec["state_province"] = clean_state(raw_state)
        if isinstance(raw_state, str) and rec["state_province"] != raw_state:
            what = "spaces trimmed" if raw_state.strip() == rec["state_province"] else "written as a code"
            changes.append(("state_province", f"state {what}", raw_state))
        rec["country"] = clean_country(raw_country)
        if rec["country"] is None and rec.get("state_province") and state_code(rec["state_province"]):
            rec["country"] = "US"
            changes.append(("country", "blank country set to US (the state is a US state)", raw_country))
        old_zip = rec.get("postal_code")
        rec["postal_code"] = clean_postal_code(old_zip)
        if old_zip is not None and rec["postal_code"] != str(old_zip).strip():
            changes.append(("postal_code", "leading zero of the ZIP code restored", old_zip))
    elif table == "phone":
        number, ext = clean_phone(rec.get("number"))
        rec["number"] = number
        if ext is not None and not rec.get("extension"):
            rec["extension"] = ext
    elif table in ("organization", "service") and isinstance(rec.get("email"), str):
        rec["email"] = rec["email"].strip() or None
    for key in ("url", "website"):
        value = rec.get(key)
        if isinstance(value, str) and _BARE_DOMAIN.match(value):
            rec[key] = "http://" + value
            changes.append((key, "web address without http:// completed", value))
    return changes


_CLOCK = re.compile(r"^\s*(\d{1,2})(?::?(\d{2}))?(?::\d{2})?\s*([ap])?\.?\s*m?\.?\s*$", re.IGNORECASE)


def clock(value: Any) -> str | None:
    """ "9:00am", "17:00", "0900", "5 PM" as "HH:MM"; None when it is no time."""
    if value is None or not str(value).strip():
        return None
    text = str(value).strip().lower().replace(".", "")
    if text in ("noon", "12 noon"):
        return "12:00"
    if text == "midnight":
        return "00:00"
    m = _CLOCK.match(text)
    if not m:
        return None
    hours, minutes, half = int(m.group(1)), int(m.group(2) or 0), m.group(3)
    if len(m.group(1)) > 2 or hours > 24 or minutes > 59:
        return None
    if half == "p" and hours < 12:
        hours += 12
    if half == "a" and hours == 12:
        hours = 0
    if hours == 24:
        hours, minutes = 23, 59
    return f"{hours:02d}:{minutes:02d}"
