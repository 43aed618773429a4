"""Static files under fingerprinted names, kept by browsers for a year; responses compressed.

`url_for('static', filename='css/linkage.css')` gives `/static/css/linkage.<hash>.css`
wherever it is called (a `url_defaults` hook), so templates name files plainly and a new
release changes every name whose content changed. A fingerprinted request is answered with
`Cache-Control: public, max-age=31536000, immutable`: a phone on one bar of signal loads the
stylesheet once, not on every page. A plain or outdated name is still served, uncached.

Compression (Flask-Compress): brotli, else gzip, for pages, JSON and static text, when the
client accepts it.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, current_app, request
from flask_compress import Compress
from werkzeug.security import safe_join
from werkzeug.wrappers import Response as BaseResponse

YEAR = 365 * 24 * 3600
_NAME = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{10})(?P<ext>\.[A-Za-z0-9]+)$")
_digests: dict[tuple[str, float], str] = {}


def digest(folder: Path, filename: str) -> str | None:
    """The first 10 hex digits of the file's SHA-256, or None for a missing file."""
    path = folder / filename
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return None
    key = (str(path), mtime)
    if key not in _digests:
        _digests[key] = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
    return _digests[key]


def fingerprinted(folder: Path, filename: str) -> str:
    """`css/linkage.css` -> `css/linkage.0123abcdef.css` (the name itself when missing)."""
    found = digest(folder, filename)
    if found is None:
        return filename
    stem, dot, ext = filename.rpartition(".")
    return f"{stem}.{found}.{ext}" if dot else f"{filename}.{found}"


def _add_fingerprint(endpoint: str, values: dict[str, Any]) -> None:
    if endpoint == "static" and "filename" in values:
        folder = Path(current_app.static_folder or "")
        values["filename"] = fingerprinted(folder, values["filename"])


def _send(folder: Path, filename: str, *, for_a_year: bool) -> BaseResponse:
    """The file's bytes in one response (static files are small), so they can be compressed."""
    path = safe_join(str(folder), filename)
    if path is None or not Path(path).is_file():
        abort(404)
    mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    resp = Response(Path(path).read_bytes(), mimetype=mimetype)
    resp.set_etag(digest(folder, filename) or "")
    if for_a_year:
        resp.cache_control.public = True
        resp.cache_control.max_age = YEAR
        resp.cache_control.immutable = True
    else:
        resp.cache_control.no_cache = True
    return resp.make_conditional(request)


def _static(filename: str) -> BaseResponse:
    """Serve `name.<hash>.ext` as `name.ext`: for a year when the hash is current."""
    folder = Path(current_app.static_folder or "")
    match = _NAME.match(filename)
    if match:
        plain = match["stem"] + match["ext"]
        found = digest(folder, plain)
        if found is not None:
            return _send(folder, plain, for_a_year=found == match["digest"])
    return _send(folder, filename, for_a_year=False)


def install(app: Flask) -> None:
    app.url_defaults(_add_fingerprint)
    app.view_functions["static"] = _static
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    app.config.setdefault(
        "COMPRESS_MIMETYPES",
        [
            "text/html",
            "text/css",
            "text/csv",
            "text/plain",
            "image/svg+xml",
            "application/json",
            "application/problem+json",
            "application/javascript",
            "text/javascript",
        ],
    )
    Compress(app)
