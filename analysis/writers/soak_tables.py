"""The soak tables of a report (shared by report.md and report.html): resource trends, the
per-window figures and the error bursts, as rows of strings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from memload.analysis.soak.analyse import SoakAnalysis
from memload.analysis.soak.bursts import Burst
from memload.analysis.soak.trend import p_text
from memload.analysis.soak.verdict import (
    bursts_line,
    ci_text,
    clock,
    drift_line,
    leak_verdict,
    number,
    rate_text,
)
from memload.analysis.writers.fmt import format_value
from memload.analysis.writers.tables import Table

TREND_HEADER = ["resource", "slope", "95 % CI", "Mann–Kendall", "leak limit", "verdict", "bins"]
WINDOW_HEADER = [
    "window",
    "h from start",
    "req/s",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "failures",
    "error rate",
    "target CPU %",
    "target RSS MB (median)",
    "fds",
    "threads",
]
BURST_HEADER = [
    "start (UTC)",
    "end (UTC)",
    "from start",
    "duration",
    "failures",
    "error rate",
    "operations",
    "error kinds (whole run: Locust's failures file has no time)",
]


def _cell(figures: Mapping[str, float], address: str, digits: str = "") -> str:
    value = figures.get(address)
    if value is None:
        return "–"
    return f"{value:{digits}}" if digits else format_value(address, value)


def trends_table(soak: SoakAnalysis) -> Table:
    rows, leaking = [], set()
    for index, found in enumerate(soak.trends):
        t = found.trend
        if t is None:
            rows.append(
                [found.name, "–", "–", "–", rate_text(found.limit_per_h, found), "too few samples", "0"]
            )
            continue
        if found.leaking:
            leaking.add(index)
        rows.append(
            [
                found.name,
                rate_text(t.slope, found, signed=True),
                ci_text(t),
                p_text(t.p_value),
                rate_text(found.limit_per_h, found),
                "LEAK" if found.leaking else "no leak",
                str(t.n),
            ]
        )
    return Table(header=TREND_HEADER, rows=rows, failed_rows=frozenset(leaking))


def windows_table(soak: SoakAnalysis, run_start_unix: float) -> Table:
    rows = []
    last = len(soak.windows) - 1
    for window in soak.windows:
        f = window.figures
        mark = " (first)" if window.index == 0 else " (last)" if window.index == last else ""
        start_h, end_h = ((t - run_start_unix) / 3600.0 for t in (window.start_unix, window.end_unix))
        span = f"{start_h:.2f}–{end_h:.2f}"
        rows.append(
            [
                f"{window.index + 1}{mark}",
                span,
                _cell(f, "total.rps"),
                _cell(f, "total.p50_ms"),
                _cell(f, "total.p95_ms"),
                _cell(f, "total.p99_ms"),
                _cell(f, "total.failures"),
                _cell(f, "total.error_rate"),
                _cell(f, "target.cpu_pct", ".1f"),
                _cell(f, "target.rss_mb", ".1f"),
                _cell(f, "target.num_fds", ".0f"),
                _cell(f, "target.threads", ".0f"),
            ]
        )
    return Table(header=WINDOW_HEADER, rows=rows)


def _kinds(burst: Burst) -> str:
    return "; ".join(f"{op}: {message} ({count:,})" for op, message, count in burst.kinds) or "–"


def bursts_table(soak: SoakAnalysis, run_start_unix: float) -> Table:
    rows = []
    for burst in soak.bursts:
        rate = burst.error_rate
        rows.append(
            [
                clock(burst.start_unix),
                clock(burst.end_unix),
                f"+{burst.start_unix - run_start_unix:,.0f} s to +{burst.end_unix - run_start_unix:,.0f} s",
                f"{burst.end_unix - burst.start_unix:,.0f} s",
                f"{burst.failures:,}",
                "–" if rate is None else f"{rate * 100:.3g} %",
                ", ".join(burst.operations),
                _kinds(burst),
            ]
        )
    return Table(header=BURST_HEADER, rows=rows, failed_rows=frozenset(range(len(rows))))


def soak_heading(soak: SoakAnalysis) -> str:
    """What the section's tables cover, in one line."""
    count = len(soak.windows)
    if not count:
        return "Soak"
    hours = (soak.windows[-1].end_unix - soak.windows[0].start_unix) / 3600.0
    return f"Soak ({count} windows of {number(hours * 60 / count)} min after the warm-up)"


def soak_context(soak: SoakAnalysis | None, run_start_unix: float) -> dict[str, Any] | None:
    """What the report's Soak section shows, in its order: the verdict in words, the trends, the
    per-window table, the bursts, the drift, and what could not be done."""
    if soak is None:
        return None
    return {
        "heading": soak_heading(soak),
        "verdict": leak_verdict(soak),
        "leak": bool(soak.leaks),
        "trends": trends_table(soak),
        "windows": windows_table(soak, run_start_unix),
        "bursts_line": bursts_line(soak),
        "bursts": bursts_table(soak, run_start_unix),
        "drift": drift_line(soak.drift),
        "notes": list(soak.notes),
    }
