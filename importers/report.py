"""What an import did, row by row: the promise that nothing is silently lost.

Every input row is counted once per table as created, updated, unchanged or rejected, so
`read == created + updated + unchanged + rejected` holds for each table; rejected rows are
listed with their file, row, field and reason. Flags are things imported but worth a look
(coordinates replaced by a geocode, text cleaned up); duplicates are candidates for review.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

OUTCOMES = ("created", "updated", "unchanged", "rejected")


@dataclass
class Counts:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0

    @property
    def balanced(self) -> bool:
        return self.read == self.created + self.updated + self.unchanged + self.rejected


@dataclass
class Issue:
    """One rejected row or one flag: where it is and what is wrong."""

    file: str
    row: int | None
    table: str
    field: str
    reason: str
    value: str = ""


class ImportFailed(ValueError):
    """The whole input is unusable (malformed or truncated file, unknown format): nothing written."""

    def __init__(self, message: str, *, file: str = "", row: int | None = None) -> None:
        where = f"{file}" + (f", row {row}" if row is not None else "")
        super().__init__(f"{where}: {message}" if where else message)
        self.file, self.row, self.reason = file, row, message


@dataclass
class ImportReport:
    source: str
    format: str = ""
    path: str = ""
    dry_run: bool = False
    version: str = ""
    tables: dict[str, Counts] = field(default_factory=dict)
    rejected: list[Issue] = field(default_factory=list)
    flags: list[Issue] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    deactivated: dict[str, int] = field(default_factory=dict)
    # Cleaned-up values, counted per "table.field: what was done" (each row is not listed).
    fixes: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    # Of `seconds`, the time spent writing (on SQLite holding the write lock), commit excluded.
    write_seconds: float = 0.0

    def counts(self, table: str) -> Counts:
        c = self.tables.get(table)
        if c is None:
            c = self.tables[table] = Counts()
        return c

    def read(self, table: str, n: int = 1) -> None:
        self.counts(table).read += n

    def outcome(self, table: str, outcome: str) -> None:
        c = self.counts(table)
        setattr(c, outcome, getattr(c, outcome) + 1)

    def reject(self, table: str, file: str, row: int | None, fld: str, reason: str, value: Any = "") -> None:
        self.outcome(table, "rejected")
        self.rejected.append(Issue(file, row, table, fld, reason, _short(value)))

    def flag(self, table: str, file: str, row: int | None, fld: str, reason: str, value: Any = "") -> None:
        self.flags.append(Issue(file, row, table, fld, reason, _short(value)))

    def fix(self, table: str, fld: str, what: str) -> None:
        key = f"{table}.{fld}: {what}"
        self.fixes[key] = self.fixes.get(key, 0) + 1

    @property
    def balanced(self) -> bool:
        return all(c.balanced for c in self.tables.values())

    def total(self, outcome: str) -> int:
        return sum(getattr(c, outcome) for c in self.tables.values())

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["tables"] = {k: asdict(v) for k, v in sorted(self.tables.items())}
        out["balanced"] = self.balanced
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, default=str)

    def to_text(self, *, limit: int = 20) -> str:
        lines = [
            f"Import of {self.path or '(input)'} as source {self.source!r}"
            f" ({self.format}{' ' + self.version if self.version else ''})"
            + (" - dry run, nothing written" if self.dry_run else ""),
            f"{'table':<28}{'read':>8}{'created':>9}{'updated':>9}{'unchanged':>11}{'rejected':>10}",
        ]
        for name, c in sorted(self.tables.items()):
            lines.append(
                f"{name:<28}{c.read:>8}{c.created:>9}{c.updated:>9}{c.unchanged:>11}{c.rejected:>10}"
            )
        for table, n in sorted(self.deactivated.items()):
            lines.append(f"{n} {table} record(s) no longer in the source: marked inactive")
        if self.fixes:
            lines.append("Cleaned up:")
            lines.extend(f"  {n:>7} x {what}" for what, n in sorted(self.fixes.items()))
        for title, items in (("Rejected", self.rejected), ("Flagged", self.flags)):
            if not items:
                continue
            lines.append(f"{title}: {len(items)}")
            for i in items[:limit]:
                where = f"{i.file}" + (f":{i.row}" if i.row is not None else "")
                lines.append(
                    f"  {where} {i.table}.{i.field}: {i.reason}" + (f" ({i.value})" if i.value else "")
                )
            if len(items) > limit:
                lines.append(f"  ... {len(items) - limit} more (see the JSON report: --report FILE)")
        if self.duplicates:
            lines.append(
                f"Possible duplicates: {len(self.duplicates)} (review with `linkage duplicates list`)"
            )
        lines.append(f"Took {self.seconds:.1f} s, of which writing {self.write_seconds:.1f} s")
        return "\n".join(lines)


def _short(value: Any, n: int = 120) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= n else text[: n - 1] + "…"
