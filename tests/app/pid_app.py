"""The app exactly as `wsgi.py` makes it, with the answering process's id in `X-Linkage-Pid`,
so the many-processes test can tell which gunicorn worker served each request.

Test-only: production serves `wsgi:app` itself.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from wsgi import app as linkage


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        return start_response(status, [*headers, ("X-Linkage-Pid", str(os.getpid()))], exc_info)

    return linkage(environ, start)
