"""Errors: problem documents on the JSON APIs, plain pages elsewhere, never a traceback."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import text

from kernel.authz import ANYONE, admits
from kernel.db import get_session
from kernel.errors import Problem, bad_param


def test_unknown_api_path_is_a_problem_document(client):
    resp = client.get("/api/v1/no-such-thing")
    assert resp.status_code == 404
    assert resp.mimetype == "application/problem+json"
    body = resp.get_json()
    assert body["status"] == 404
    assert body["title"] == "Not Found"
    assert body["instance"] == "/api/v1/no-such-thing"


def test_unknown_page_is_a_page(client):
    resp = client.get("/no-such-page")
    assert resp.status_code == 404
    assert resp.mimetype == "text/html"
    assert b"Traceback" not in resp.data


def test_bad_parameter_names_the_parameter(app):
    bp = Blueprint("t_errors", __name__)

    @bp.get("/api/v1/_test_bad")
    @admits(ANYONE)
    def bad():
        raise bad_param("radius_km", "radius_km must be a number between 0 and 500")

    @bp.get("/api/v1/_test_bug")
    @admits(ANYONE)
    def bug():
        raise RuntimeError("secret internals")

    @bp.get("/_test_conflict")
    @admits(ANYONE)
    def conflict():
        raise Problem(409, "That bed is already held.")

    app.register_blueprint(bp)
    client = app.test_client()
    body = client.get("/api/v1/_test_bad").get_json()
    assert body["param"] == "radius_km"
    assert body["invalid_params"] == [
        {"name": "radius_km", "reason": "radius_km must be a number between 0 and 500"}
    ]
    resp = client.get("/api/v1/_test_bug")
    assert resp.status_code == 500
    assert b"secret internals" not in resp.data
    assert resp.get_json()["detail"].startswith("Something went wrong")
    page = client.get("/_test_conflict")
    assert page.status_code == 409
    assert b"That bed is already held." in page.data


def test_a_database_error_shows_no_sql_and_no_values(app, caplog):
    """The error's own text holds the statement and its bound values (a client's name here):
    neither the answer nor the log line may carry them."""
    bp = Blueprint("t_db_errors", __name__)

    @bp.post("/api/v1/_test_db")
    @admits(ANYONE)
    def write():
        get_session().execute(text("INSERT INTO no_such_table (name) VALUES (:name)"), {"name": "Jane Roe"})
        return "not reached"

    app.register_blueprint(bp)
    resp = app.test_client().post("/api/v1/_test_db")
    assert resp.status_code == 500
    body = resp.get_data(as_text=True)
    assert resp.get_json()["detail"].startswith("Something went wrong")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "database error on POST /api/v1/_test_db" in logged  # the log says where, and what kind
    for text_ in (body, logged):
        assert "Jane Roe" not in text_
        assert "INSERT" not in text_
        assert "[SQL" not in text_
