"""Search tests: a small helper to call the API (the index hook is on every catalog session)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def api(client: Any) -> Any:
    """api(q="shelter", open_now="true") -> the JSON body, asserting a 200."""

    def call(**params: Any) -> dict[str, Any]:
        resp = client.get("/api/v1/search", query_string=params)
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()

    return call


def names(body: dict[str, Any]) -> list[str]:
    return [r["name"] for r in body["results"]]
