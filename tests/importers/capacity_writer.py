"""A provider's system pushing bed counts through the app, in a process of its own, for
test_import_beside_writes: `python capacity_writer.py URL DATA_DIR SERVICE_ID TOKEN BUSY_MS OUT`.

It builds the real app on the database and PUTs a figure to
`/api/v1/services/{id}/capacity` with the provider's token every 20 ms, with SQLite's busy
timeout set to BUSY_MS (the app's own is 10 s), until OUT + ".stop" exists; then writes
every answer's status and time to OUT as JSON. OUT + ".ready" appears after the first answer.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from app import create_app  # noqa: E402


def main(url: str, data_dir: str, sid: str, token: str, busy_ms: int, out: Path) -> None:
    app = create_app({"DATABASE_URL": url, "DATA_DIR": data_dir, "SECRET_KEY": "beside-writes"})
    engine = app.extensions["linkage_db"].engine
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _short_wait(dbapi_conn: Any, _record: Any) -> None:  # after the app's own PRAGMAs
            dbapi_conn.execute(f"PRAGMA busy_timeout={int(busy_ms)}")

    client = app.test_client()
    answers: list[dict[str, Any]] = []
    stop, ready = Path(f"{out}.stop"), Path(f"{out}.ready")
    i = 0
    while not stop.exists():
        i += 1
        t0 = time.perf_counter()
        resp = client.put(
            f"/api/v1/services/{sid}/capacity",
            json={"unit": "bed", "available": i % 21, "maximum": 20},
            headers={"Authorization": f"Bearer {token}"},
        )
        answers.append(
            {"status": resp.status_code, "seconds": time.perf_counter() - t0, "at": time.time(), "n": i % 21}
        )
        ready.touch()
        time.sleep(0.02)
    out.write_text(json.dumps(answers), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), Path(sys.argv[6]))
