"""A real app process for the two-process test: `python serve_app.py DATABASE_URL DATA_DIR`.

Prints the port it listens on (loopback, chosen by the OS), then serves until killed.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from werkzeug.serving import make_server  # noqa: E402

from app import create_app  # noqa: E402


def main() -> None:
    url, data_dir = sys.argv[1], sys.argv[2]
    app = create_app({"DATABASE_URL": url, "DATA_DIR": data_dir, "SECRET_KEY": "two-process-test"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    print(server.server_port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
