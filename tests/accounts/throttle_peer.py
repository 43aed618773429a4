"""A second app process for the throttling test: `python -m tests.accounts.throttle_peer URL
DATA_DIR EMAIL PASSWORD N` signs in N times and prints the status codes as JSON."""

from __future__ import annotations

import json
import re
import sys

from app import create_app


def main(url: str, data_dir: str, email: str, password: str, times: int) -> list[int]:
    app = create_app({"DATA_DIR": data_dir, "DATABASE_URL": url, "SECRET_KEY": "peer-secret"})
    client = app.test_client()
    codes = []
    for _ in range(times):
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        resp = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
        codes.append(resp.status_code)
    return codes


if __name__ == "__main__":
    url, data_dir, email, password, times = sys.argv[1:6]
    print(json.dumps(main(url, data_dir, email, password, int(times))))
