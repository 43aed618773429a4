"""The seam through which pure code writes sentences a person reads, in the reader's language.

`geo`, `hours`, `phrases`, `catalog.rules` and the ranking core of `matching` must not import
Flask, yet the sentences they make ("3 of 12 beds free", "Open until 17:00", "serves ages
18 and over") are shown on pages in English and Spanish. They write them through the
functions here, which are markers Babel extracts (`_`, `ngettext`, `N_`) and which, until
the app binds them to Flask-Babel (`kernel.i18n.install`), are the identity: English, as a
test without an app or a command outside a request expects. Bound, they translate into the
language of the current request, so the caller must make its sentences while it serves the
request they are for, never keep them in a cache shared between requests (keep the values
and word them when shown), and never build them at import time (mark constants with `N_`
and translate them with `_` when used).

Whole sentences with named placeholders only: `_("%(n)s min ago", n=n)`, never pieces glued.
Numbers that are shown go through `number` so the locale writes them ("1.2" / "1,2").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

Gettext = Callable[[str], str]
Ngettext = Callable[[str, str, int], str]
Number = Callable[[float, str], str]
Date = Callable[[dt.date, str], str]


def _identity(message: str) -> str:
    return message


def _english_plural(singular: str, plural: str, n: int) -> str:
    return singular if n == 1 else plural


def _plain_number(value: float, pattern: str) -> str:
    """What an unbound seam writes: `pattern` is a Babel pattern ("#,##0.#"); its fraction
    digits are kept as at most that many, as Babel would (English has no locale here)."""
    places = len(pattern.split(".", 1)[1]) if "." in pattern else 0
    text = f"{value:,.{places}f}" if "," in pattern else f"{value:.{places}f}"
    if places and "0" not in pattern.split(".", 1)[1]:
        text = text.rstrip("0").rstrip(".")
    return text


def _plain_date(value: dt.date, pattern: str) -> str:
    """What an unbound seam writes for a date: English, "Thu 26 Nov 2026" whatever the pattern."""
    return f"{value:%a %d %b %Y}"


_gettext: Gettext = _identity
_ngettext: Ngettext = _english_plural
_number: Number = _plain_number
_date: Date = _plain_date


def bind(gettext: Gettext, ngettext: Ngettext, number: Number, date: Date) -> None:
    """Called once by the app: translate through its catalogs from now on."""
    global _gettext, _ngettext, _number, _date
    _gettext, _ngettext, _number, _date = gettext, ngettext, number, date


def unbind() -> None:
    """Back to English: for tests that check the seam itself."""
    bind(_identity, _english_plural, _plain_number, _plain_date)


def _(message: str, /, **params: Any) -> str:
    """The message in the reader's language, with its named placeholders filled."""
    text = _gettext(message)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: float, /, **params: Any) -> str:
    """The plural form the reader's language needs for `n`; `%(num)s` is `n` written by
    `number` unless the caller gives `num` itself."""
    params.setdefault("num", number(n))
    return _ngettext(singular, plural, int(n) if float(n).is_integer() else 2) % params


def N_(message: str) -> str:  # noqa: N802 - the name Babel and gettext know
    """Marks a constant for translation without translating it (translate it with `_` when
    it is shown)."""
    return message


def number(value: float, pattern: str = "#,##0.##") -> str:
    """A number as the reader's locale writes it: 12, 2.5, 1,234 in English; 2,5 in Spanish."""
    return _number(value, pattern)


def date(value: dt.date, pattern: str = "EEE d MMM y") -> str:
    """A date as the reader's locale writes it (a Babel pattern): "Thu 26 Nov 2026", "jue 26 nov 2026"."""
    return _date(value, pattern)
