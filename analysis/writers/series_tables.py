"""The series [monitor] names (``target.<series>.<metric>``, memload.analysis.figures.monitored) in
one table; a histogram's percentiles (the server's own latency) sit above memload's own total,
measured at the client over the same steady window."""

from __future__ import annotations

from typing import TYPE_CHECKING

from memload.analysis.writers.tables import Table
from memload.scenario.figures import SERIES_METRICS, SERIES_SCOPE_PREFIX

if TYPE_CHECKING:
    from memload.analysis.figures.analyse import Analysis

HEADER = ["series", "max", "mean", "per s", "p50 ms", "p95 ms", "p99 ms"]
PERCENTILES = ("p50_ms", "p95_ms", "p99_ms")


def series_table(analysis: Analysis) -> Table:
    figures = analysis.figures
    names = sorted(
        {
            address[len(SERIES_SCOPE_PREFIX) :].rpartition(".")[0]
            for address in figures
            if address.startswith(SERIES_SCOPE_PREFIX) and address.count(".") >= 2
        }
    )
    rows = [
        [name, *(_cell(figures.get(f"{SERIES_SCOPE_PREFIX}{name}.{m}")) for m in SERIES_METRICS)]
        for name in names
    ]
    histogram = any(f"{SERIES_SCOPE_PREFIX}{n}.{p}" in figures for n in names for p in PERCENTILES)
    if rows and histogram:
        client = [_cell(figures.get(f"total.{p}")) for p in PERCENTILES]
        rows.append(["memload: total, at the client", "", "", _cell(figures.get("total.rps")), *client])
    return Table(header=HEADER, rows=rows)


def _cell(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:,.3g}" if abs(value) < 100 else f"{value:,.1f}"
