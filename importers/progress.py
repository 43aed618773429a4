"""A one-line progress bar on stderr, only when stderr is a terminal (quiet in logs and pipes)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    def __init__(self, label: str = "import", stream: TextIO | None = None, width: int = 30) -> None:
        self.stream = stream or sys.stderr
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.label, self.width = label, width
        self.started = time.perf_counter()
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        now = time.perf_counter()
        if done < total and now - self._last < 0.2:
            return
        self._last = now
        filled = int(self.width * done / total)
        rate = done / max(now - self.started, 1e-6)
        self.stream.write(
            f"\r{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} rows, {rate:,.0f}/s"
        )
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()
