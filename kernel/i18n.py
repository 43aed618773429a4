"""The interface's language: English and Spanish, with Flask-Babel.

The language is the one the person chose (the switch on every page, kept in the `lang`
cookie), else the best of the browser's `Accept-Language`, else English. Only the interface
is translated: the catalog's own data stays as the provider wrote it. The Spanish catalog is
`translations/es/LC_MESSAGES/messages.po`; the install step compiles it (`make translations`)
so no binary is committed.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from babel import Locale
from babel.dates import format_date
from babel.numbers import get_decimal_symbol, get_group_symbol, get_minus_sign_symbol, parse_pattern
from flask import Blueprint, Flask, Response, g, has_app_context, has_request_context, redirect, request
from flask_babel import Babel, get_locale, get_translations
from werkzeug.wrappers import Response as BaseResponse

import wording
from kernel.authz import ANYONE, admits

LANGUAGES = ("en", "es")
DEFAULT = "en"
COOKIE = "lang"
# Each language named in itself, for the switch.
NAMES = {"en": "English", "es": "Español"}
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def chosen_language() -> str:
    """The cookie's language, else the browser's best, else English (and English outside a
    request: a command's messages)."""
    if not has_request_context():
        return DEFAULT
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT


_ENGLISH = Locale.parse(DEFAULT)


@lru_cache(maxsize=16)
def _symbols(locale: str) -> tuple[str, str, str]:
    return get_decimal_symbol(locale), get_group_symbol(locale), get_minus_sign_symbol(locale)


def _current() -> tuple[Any, Locale, tuple[str, str, str]] | None:
    """The current context's translations, locale and number symbols for `wording`, asked of
    Flask-Babel only when its locale changed (a new request, a `force_locale` block): pages
    make hundreds of sentences through `wording`, and Flask-Babel's lookups cost microseconds."""
    if not has_app_context():
        return None
    kept = g._get_current_object().__dict__  # the context's `g`, read once
    babel_ctx = kept.get("_flask_babel")  # where Flask-Babel keeps the context's locale
    locale = getattr(babel_ctx, "babel_locale", None) or get_locale() or _ENGLISH
    cached = kept.get("_wording")
    if cached is None or cached[1] is not locale:
        cached = kept["_wording"] = (get_translations(), locale, _symbols(str(locale)))
    return cached  # type: ignore[no-any-return]


def _gettext(message: str) -> str:
    """Flask-Babel's catalog of the current request; English outside an application."""
    state = _current()
    return str(state[0].ugettext(message)) if state is not None else message


def _ngettext(singular: str, plural: str, n: int) -> str:
    """The plural form for `n`, unformatted: `wording` fills the placeholders."""
    state = _current()
    if state is None:
        return singular if n == 1 else plural
    return str(state[0].ungettext(singular, plural, n))


@lru_cache(maxsize=32)
def _pattern(pattern: str) -> tuple[bool, int, int]:
    """A Babel number pattern as (grouped, fewest and most fraction digits)."""
    parsed = parse_pattern(pattern)
    return parsed.grouping[0] < 100, parsed.frac_prec[0], parsed.frac_prec[1]


def _number(value: float, pattern: str) -> str:
    """A number as Babel's `format_decimal` writes it for the request's locale (English
    outside a request), without its per-call cost: the value is rounded half-even as Babel
    does, written with Python's separators, and those are swapped for the locale's
    (`tests/app/test_spanish_sentences.py` holds the two equal)."""
    state = _current()
    decimal_sign, group_sign, minus = state[2] if state is not None else _symbols(DEFAULT)
    grouped, fewest, most = _pattern(pattern)
    number = Decimal(str(value)).quantize(Decimal(1).scaleb(-most), rounding=ROUND_HALF_EVEN)
    text = f"{abs(number):,.{most}f}" if grouped else f"{abs(number):.{most}f}"
    if most > fewest:
        whole, _sep, fraction = text.partition(".")
        fraction = fraction.rstrip("0").ljust(fewest, "0")
        text = f"{whole}.{fraction}" if fraction else whole
    text = text.replace(",", "\0").replace(".", decimal_sign).replace("\0", group_sign)
    return minus + text if number < 0 else text


def _date(value: dt.date, pattern: str) -> str:
    state = _current()
    return str(format_date(value, format=pattern, locale=state[1] if state is not None else _ENGLISH))


def current_language() -> str:
    """The language of the current request, as a two-letter code for `<html lang>`."""
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT


bp = Blueprint("i18n", __name__)
YEAR = 365 * 24 * 3600


def _local(target: str | None) -> str:
    """Back to the page the switch was on; only a path of this site (no open redirect)."""
    if target:
        parts = urlsplit(target)
        if (
            not (parts.scheme or parts.netloc)
            and target.startswith("/")
            and not target.startswith(("//", "/\\"))
        ):
            return target
    return request.script_root + "/"


@bp.get("/language/<code>")
@admits(ANYONE)
def switch(code: str) -> BaseResponse:
    """A plain link, so the switch works without JavaScript; the choice is kept a year."""
    resp = redirect(_local(request.args.get("next")))
    if code in LANGUAGES:
        resp.set_cookie(COOKIE, code, max_age=YEAR, samesite="Lax", httponly=True)
    return resp


def _vary(response: Response) -> Response:
    """A page's words depend on the language, so a cache keeps one copy per language."""
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    return response


def install(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    Babel(app, locale_selector=chosen_language, timezone_selector=lambda: app.config["TIMEZONE"])
    # The sentences pure packages write (phrases, hours, matching's reasons) in the page's language.
    wording.bind(_gettext, _ngettext, _number, _date)
    app.after_request(_vary)

    @app.context_processor
    def _language() -> dict[str, object]:
        return {"current_language": current_language(), "interface_languages": NAMES}
