"""Charts drawn on the server as SVG, and the same numbers as a table and as CSV.

Shared by every part of the dashboard (referral outcomes, repeat contacts, unmet need,
catalog health): a part computes its figures, then hands plain labels and numbers here. A
trend over months is a line (`line_chart`), a breakdown is a bar per row (`bar_chart`); each
has `<title>` and `<desc>` and `role="img"` with `aria-labelledby`, and `line_table` /
`bar_table` give the same data as a `Table` the page shows beside the picture (for screen
readers and print) and `csv_text` serves as a download.

No JavaScript and nothing from another origin; the strict Content-Security-Policy forbids
inline styles, so colours are SVG presentation attributes (`stroke=`, `fill=`) with classes
that static/css/linkage.css may restyle (`.chart .s0` ... `.s5`). Text is escaped.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

# Colour-blind-safe (Okabe-Ito), dark enough for text contrast on white.
PALETTE = ("#0b5cad", "#b35900", "#1d6b2f", "#a4161a", "#6a3d9a", "#5a6270")
WIDTH = 640
LINE_HEIGHT = 240
BAR_ROW = 26
LABEL_ROOM = 200  # the bar chart's left column, for the row labels
MAX_BARS = 20  # a bar chart shows the largest rows; its table has them all


@dataclass(frozen=True)
class Series:
    """One line of a line chart: its name (the legend) and a value per label."""

    name: str
    values: Sequence[float]


@dataclass(frozen=True)
class Table:
    """The numbers of a chart as rows of cells: the first cell is the row's label."""

    caption: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]  # str, int, float or None cells


def _num(value: float | None) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}"
    return str(int(value))


def _nice_top(value: float) -> float:
    """A round number at or above `value` for the axis (1, 2, 5 × 10^n)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)


def _frame(chart_id: str, title: str, desc: str, height: int, body: list[str]) -> Markup:
    tid, did = f"{chart_id}-title", f"{chart_id}-desc"
    head = (
        f'<svg class="chart" id="{escape(chart_id)}" role="img" aria-labelledby="{tid} {did}" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{tid}">{escape(title)}</title><desc id="{did}">{escape(desc)}</desc>'
    )
    # Every piece of text above went through escape(); numbers are formatted by us.
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704


def line_chart(
    chart_id: str, title: str, desc: str, labels: Sequence[str], series: Sequence[Series]
) -> Markup:
    """A trend: one line per series over `labels` (months), with a legend and a y axis."""
    left, right, top, bottom = 44, 12, 28, 40
    plot_w, plot_h = WIDTH - left - right, LINE_HEIGHT - top - bottom
    peak = max((v for s in series for v in s.values), default=0.0)
    ymax = _nice_top(float(peak))
    n = len(labels)

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h - plot_h * float(v) / ymax

    body = []
    for k in range(5):  # grid and y labels
        v = ymax * k / 4
        yy = y(v)
        body.append(
            f'<line class="grid" x1="{left}" x2="{WIDTH - right}" y1="{yy:.1f}" y2="{yy:.1f}" '
            f'stroke="#d8dde3"/>'
            f'<text class="tick" x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#1b1f24">{escape(_num(v))}</text>'
        )
    every = max(1, math.ceil(n / 8))  # at most about eight month labels fit side by side
    for i, label in enumerate(labels):
        if i % every == 0 or i == n - 1:
            body.append(
                f'<text class="tick" x="{x(i):.1f}" y="{LINE_HEIGHT - bottom + 16}" text-anchor="middle" '
                f'font-size="11" fill="#1b1f24">{escape(label)}</text>'
            )
    for k, s in enumerate(series):
        colour, cls = PALETTE[k % len(PALETTE)], f"s{k % len(PALETTE)}"
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(s.values))
        if len(s.values) > 1:
            body.append(
                f'<polyline class="line {cls}" fill="none" stroke="{colour}" stroke-width="2.5" '
                f'points="{points}"/>'
            )
        body.extend(
            f'<circle class="dot {cls}" cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{colour}"/>'
            for i, v in enumerate(s.values)
        )
        lx = left + k * 150
        body.append(
            f'<rect class="key {cls}" x="{lx}" y="8" width="12" height="12" fill="{colour}"/>'
            f'<text x="{lx + 16}" y="18" font-size="12" fill="#1b1f24">{escape(s.name)}</text>'
        )
    return _frame(chart_id, title, desc, LINE_HEIGHT, body)


def bar_chart(chart_id: str, title: str, desc: str, rows: Sequence[tuple[str, float]]) -> Markup:
    """A breakdown: one horizontal bar per (label, value), largest first, at most MAX_BARS."""
    shown = sorted(rows, key=lambda r: (-r[1], r[0]))[:MAX_BARS]
    top = 6
    height = top + BAR_ROW * max(1, len(shown)) + 6
    room = WIDTH - LABEL_ROOM - 60
    peak = max((float(v) for _, v in shown), default=0.0) or 1.0
    body = []
    for i, (label, value) in enumerate(shown):
        yy = top + i * BAR_ROW
        w = room * float(value) / peak
        text = label if len(label) <= 30 else label[:29] + "…"
        body.append(
            f'<text x="{LABEL_ROOM - 8}" y="{yy + 17}" text-anchor="end" font-size="12" '
            f'fill="#1b1f24">{escape(text)}</text>'
            f'<rect class="bar s0" x="{LABEL_ROOM}" y="{yy + 4}" width="{w:.1f}" height="{BAR_ROW - 8}" '
            f'fill="{PALETTE[0]}"/>'
            f'<text x="{LABEL_ROOM + w + 6:.1f}" y="{yy + 17}" font-size="12" fill="#1b1f24">'
            f"{escape(_num(value))}</text>"
        )
    return _frame(chart_id, title, desc, height, body)


def line_table(caption: str, label_header: str, labels: Sequence[str], series: Sequence[Series]) -> Table:
    """The numbers of a line chart: a row per label, a column per series."""
    rows = [[label, *(s.values[i] for s in series)] for i, label in enumerate(labels)]
    return Table(caption, [label_header, *(s.name for s in series)], rows)


def bar_table(caption: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> Table:
    """The numbers of a bar chart (and any more columns the breakdown has), as given."""
    return Table(caption, list(headers), [list(r) for r in rows])


def _cell(cell: str | int | float | None) -> str | int | float:
    """A cell for a spreadsheet: text that would start a formula (=, +, -, @) is quoted, since
    names and needs are typed by people."""
    if cell is None:
        return ""
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + cell
    return cell


def csv_text(table: Table) -> str:
    """A table as CSV (a header row, then its rows), for a spreadsheet or a report."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_cell(h) for h in table.headers])
    for row in table.rows:
        writer.writerow([_cell(cell) for cell in row])
    return out.getvalue()
