"""One place that turns expected errors into problem documents (RFC 9457) or plain pages."""

from __future__ import annotations

import logging
import traceback
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from kernel.db import database_error_text

log = logging.getLogger("linkage")

PROBLEM_JSON = "application/problem+json"


class Problem(Exception):
    """An expected error: a status and a sentence for a person, plus the parameter at fault."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        title: str | None = None,
        param: str | None = None,
        type_: str = "about:blank",
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title
        self.param = param
        self.type = type_
        self.extra = extra

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": self.type,
            "title": str(self.title) if self.title else _status_phrase(self.status),
            "status": self.status,
            "detail": self.detail,
            "instance": request.path if request else None,
        }
        if self.param:
            body["param"] = self.param
            body["invalid_params"] = [{"name": self.param, "reason": self.detail}]
        body.update(self.extra)
        return body


# The titles problems carry (RFC 9457 `title`: a short, stable summary of the kind), kept in
# English in problem documents and written in the reader's language on error pages. A title
# not listed here is shown as given.
TITLES = {
    "Bad Request": _l("Bad request"),
    "Unauthorized": _l("Sign-in needed"),
    "Forbidden": _l("Not allowed"),
    "Not Found": _l("Not found"),
    "Method Not Allowed": _l("Method not allowed"),
    "Conflict": _l("Conflict"),
    "Gone": _l("Gone"),
    "Request Entity Too Large": _l("Too large"),
    "Content Too Large": _l("Too large"),
    "Unsupported Media Type": _l("Unsupported content type"),
    "Unprocessable Entity": _l("Invalid field"),
    "Unprocessable Content": _l("Invalid field"),
    "Too Many Requests": _l("Too many requests"),
    "Internal Server Error": _l("Something went wrong"),
    "Service Unavailable": _l("Unavailable for now"),
    "Invalid parameter": _l("Invalid parameter"),
    "Invalid field": _l("Invalid field"),
    "Transition not allowed": _l("Transition not allowed"),
    "No place left": _l("No place left"),
    "Unknown link": _l("Unknown link"),
    "Link used": _l("Link used"),
    "Link expired": _l("Link expired"),
}

# What a page says for an error whose sentence is werkzeug's own (English, for developers).
_PAGE_DETAILS = {
    400: _l("The request could not be read. Go back and check what was typed."),
    401: _l("Sign in to see this page."),
    403: _l("Your account may not open this page."),
    404: _l("There is nothing at this address. It may have moved or never existed."),
    405: _l("This page cannot be used that way."),
    413: _l("What was sent is too large."),
    429: _l("Too many requests in a short time. Wait a minute and try again."),
}


def page_title(status: int, title: object | None = None) -> str:
    """A problem's title in the reader's language, for an error page."""
    english = str(title) if title else _status_phrase(status)
    known = TITLES.get(english)
    return str(known) if known is not None else english


def _status_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def bad_param(param: str, detail: str) -> Problem:
    """A 400 that names the parameter, the commonest API error."""
    return Problem(400, detail, title="Invalid parameter", param=param)


def wants_json() -> bool:
    """JSON APIs (/api/, /hsds/) answer problem documents; pages answer pages."""
    path = request.path
    return path.startswith("/api/") or path.startswith("/hsds")


def problem_response(problem: Problem) -> Response:
    resp = jsonify(problem.to_dict())
    resp.status_code = problem.status
    resp.mimetype = PROBLEM_JSON
    return resp


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(Problem)
    def _problem(exc: Problem) -> Any:
        if wants_json():
            return problem_response(exc)
        title = page_title(exc.status, exc.title)
        return render_template("error.html", status=exc.status, title=title, detail=exc.detail), exc.status

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Any:
        status = exc.code or 500
        detail = exc.description or ""
        if wants_json():
            return problem_response(Problem(status, detail, title=exc.name))
        if detail == type(exc).description and status in _PAGE_DETAILS:
            detail = str(_PAGE_DETAILS[status])  # werkzeug's sentence is for developers
        title = page_title(status, exc.name)
        return render_template("error.html", status=status, title=title, detail=detail), status

    @app.errorhandler(DBAPIError)
    def _database(exc: DBAPIError) -> Any:
        # The error's own text holds its statement and bound values (client names): the log
        # gets the database's sentence and where it was raised, never the text (see
        # database_error_text); frames without their source lines, which may quote the SQL.
        frames = "\n".join(
            f"  {f.filename}:{f.lineno} in {f.name}" for f in traceback.extract_tb(exc.__traceback__)
        )
        log.error(
            "database error on %s %s: %s\n%s", request.method, request.path, database_error_text(exc), frames
        )
        if isinstance(exc, OperationalError) and "locked" in str(exc.orig):
            # SQLite's write lock held past the busy timeout: a moment's wait, not a bug.
            detail = _("The database is busy. Try again in a moment.")
            status = 503
        else:
            detail = _("Something went wrong on our side. It has been logged.")
            status = 500
        if wants_json():
            return problem_response(Problem(status, detail))
        return render_template("error.html", status=status, title=page_title(status), detail=detail), status

    @app.errorhandler(Exception)
    def _bug(exc: Exception) -> Any:
        log.exception("unhandled error on %s %s", request.method, request.path)
        if wants_json():
            return problem_response(Problem(500, "Something went wrong on our side. It has been logged."))
        detail = _("Something went wrong on our side. It has been logged.")
        return render_template("error.html", status=500, title=page_title(500), detail=detail), 500
