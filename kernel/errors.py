"""One place that turns expected errors into problem documents (RFC 9457) or plain pages."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

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
            "title": self.title or HTTPStatus(self.status).phrase,
            "status": self.status,
            "detail": self.detail,
            "instance": request.path if request else None,
        }
        if self.param:
            body["param"] = self.param
            body["invalid_params"] = [{"name": self.param, "reason": self.detail}]
        body.update(self.extra)
        return body


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
        return render_template("error.html", status=exc.status, detail=exc.detail), exc.status

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Any:
        status = exc.code or 500
        detail = exc.description or ""
        if wants_json():
            return problem_response(Problem(status, detail, title=exc.name))
        return render_template("error.html", status=status, detail=detail), status

    @app.errorhandler(Exception)
    def _bug(exc: Exception) -> Any:
        log.exception("unhandled error on %s %s", request.method, request.path)
        detail = "Something went wrong on our side. It has been logged."
        if wants_json():
            return problem_response(Problem(500, detail))
        return render_template("error.html", status=500, detail=detail), 500
