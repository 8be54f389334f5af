"""Request figures of the steady window, by address (``search.p95_ms``, ``total.rps``), from
``locust_stats_history.csv``: differences of the cumulative counters between the first and last
history rows inside the window (from zero when there is no warm-up), percentiles from
``percentiles.estimate_percentiles``."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from memload import names as C
from memload.analysis.figures.percentiles import (
    METHOD_WHOLE_RUN,
    PercentileContext,
    PercentileEstimate,
    estimate_percentiles,
)
from memload.analysis.read.window import Window
from memload.scenario.figures import PERCENTILES

TOTAL_SCOPE = "total"


@dataclass(kw_only=True)
class RequestFigures:
    values: dict[str, float] = field(default_factory=dict)  # address -> value (finite only)
    scopes: list[str] = field(default_factory=list)  # operations in table order, "total" last
    types: dict[str, list[str]] = field(default_factory=dict)  # scope -> Locust Types (methods)
    distributions: dict[str, dict[float, float]] = field(default_factory=dict)  # scope -> % -> ms
    percentile_methods: set[str] = field(default_factory=set)
    window_rows_s: tuple[float, float] | None = None  # first and last history timestamps used


def scope_of(name: str) -> str:
    """The figure scope of a Locust request Name: the operation, or ``total`` for Aggregated."""
    return TOTAL_SCOPE if name == C.AGGREGATED else name


def counter_at(times_s: np.ndarray, counter: np.ndarray, at_s: np.ndarray | float) -> np.ndarray:
    """A cumulative counter's value at ``at_s``: its last row at or before, 0 before the first."""
    index = np.searchsorted(times_s, at_s, side="right") - 1
    return np.where(index >= 0, counter[np.clip(index, 0, None)], 0.0)


_COUNTERS = (C.HIST_REQUESTS, C.HIST_FAILURES, C.HIST_AVG_MS, C.HIST_MAX_MS)


def _counters_at(entry: pd.DataFrame, at_s: float) -> list[float]:
    times = entry[C.HIST_TIMESTAMP].to_numpy()
    return [float(counter_at(times, entry[column].to_numpy(), at_s)) for column in _COUNTERS]


def _deltas(rows: pd.DataFrame, t_start: float, t_end: float, from_zero: bool) -> dict[str, float]:
    """Window differences of one scope's counters, summed over its Types (from zero: whole run)."""
    sums = {"requests": 0.0, "failures": 0.0, "time_ms": 0.0, "max_grown_ms": math.nan, "all_grown": 1.0}
    for _, entry in rows.groupby(C.TYPE, observed=True, dropna=False):
        req1, fail1, avg1, max1 = _counters_at(entry, t_end)
        req0, fail0, avg0, max0 = [0.0] * 4 if from_zero else _counters_at(entry, t_start)
        sums["requests"] += req1 - req0
        sums["failures"] += fail1 - fail0
        sums["time_ms"] += req1 * avg1 - req0 * avg0
        if max1 > max0:  # the maximum rose inside the window: Locust's cumulative max is exact
            sums["max_grown_ms"] = float(np.nanmax([sums["max_grown_ms"], max1]))
        else:
            sums["all_grown"] = 0.0
    return sums


def _scope_figures(
    deltas: dict[str, float], duration_s: float, estimate: PercentileEstimate | None
) -> dict[str, float]:
    requests = deltas["requests"]
    figures = {"requests": requests, "failures": deltas["failures"]}
    if duration_s > 0:
        figures["rps"] = requests / duration_s
    if requests > 0:
        figures["error_rate"] = deltas["failures"] / requests
        figures["avg_ms"] = deltas["time_ms"] / requests
    if estimate is not None:
        for label, percent in PERCENTILES.items():
            if percent in estimate.values_ms:
                figures[f"{label}_ms"] = estimate.values_ms[percent]
    figures.update(_max_ms(deltas, estimate) if requests > 0 else {})
    if "max_ms" in figures:  # a bucket-rounded percentile may exceed the exact maximum
        for label in PERCENTILES:
            if f"{label}_ms" in figures:
                figures[f"{label}_ms"] = min(figures[f"{label}_ms"], figures["max_ms"])
    return figures


def _max_ms(deltas: dict[str, float], estimate: PercentileEstimate | None) -> dict[str, float]:
    """Exact when every Type's cumulative maximum rose in the window, else with the snapshots'."""
    exact = deltas["max_grown_ms"]
    if deltas["all_grown"] and not math.isnan(exact):
        return {"max_ms": exact}
    candidates = [
        v
        for v in (exact, None if estimate is None else estimate.values_ms.get(100.0))
        if v is not None and not math.isnan(v)
    ]
    return {"max_ms": max(candidates)} if candidates else {}


def _types(rows: pd.DataFrame) -> list[str]:
    return sorted({str(t) for t in rows[C.TYPE].dropna().unique() if str(t)})


def locust_types(history: pd.DataFrame) -> dict[str, list[str]]:
    """Locust's request Types (methods) of each operation, ``total`` for Aggregated."""
    return {scope_of(str(name)): _types(rows) for name, rows in history.groupby(C.NAME, observed=True)}


def request_figures(
    *,
    history: pd.DataFrame,
    stats: pd.DataFrame | None,
    window: Window,
    history_columns: dict[str, float],
    stats_columns: dict[str, float],
) -> RequestFigures:
    """Figures of every request Name and of ``total`` over the steady window."""
    result = RequestFigures()
    times = history[C.HIST_TIMESTAMP].to_numpy()
    inside = times[(times >= window.start_unix) & (times <= window.end_unix)]
    if inside.size == 0:
        return result
    t_start, t_end = float(inside.min()), float(inside.max())
    result.window_rows_s = (t_start, t_end)
    whole_run = window.warmup_s == 0
    ctx = PercentileContext(
        t_start_s=t_start,
        t_end_s=t_end,
        whole_run=whole_run,
        history_columns=history_columns,
        stats_columns=stats_columns,
    )
    wanted = sorted(set(PERCENTILES.values()) | set(history_columns.values()) | {100.0})
    stats_by_name = {} if stats is None else dict(list(stats.groupby(C.NAME, observed=True)))
    for name, rows in history.groupby(C.NAME, observed=True, sort=True):
        scope = scope_of(str(name))
        estimate = estimate_percentiles(history=rows, stats=stats_by_name.get(name), ctx=ctx, wanted=wanted)
        figures = _scope_figures(_deltas(rows, t_start, t_end, whole_run), t_end - t_start, estimate)
        if estimate is not None:
            result.distributions[scope] = estimate.values_ms
            result.percentile_methods.add(estimate.method)
        result.values.update({f"{scope}.{k}": float(v) for k, v in figures.items() if math.isfinite(v)})
        result.types[scope] = _types(rows)
        result.scopes.append(scope)
    result.scopes.sort(key=lambda s: (s == TOTAL_SCOPE, s))
    return result


def min_requests_for(percent: float) -> int:
    """Requests needed before a percentile says more than the maximum: 100 for p99, 1000 for p999."""
    return math.ceil(round(100.0 / (100.0 - percent), 6))


def sample_warnings(figures: RequestFigures) -> list[str]:
    """'too few samples for a percentile' warnings: one per percentile, naming the short scopes."""
    warnings = []
    for label, percent in PERCENTILES.items():
        needed = min_requests_for(percent)
        short = [
            f"{scope} {figures.values[f'{scope}.requests']:.0f}"
            for scope in figures.scopes
            if 0 < figures.values.get(f"{scope}.requests", 0.0) < needed
        ]
        if short:
            warnings.append(
                f"too few samples for a percentile: {label} needs >= {needed} requests in the "
                f"steady window; {', '.join(short)}"
            )
    return warnings


def percentile_warning(figures: RequestFigures) -> str | None:
    """The 'percentiles approximate' warning, or None when Locust's whole-run ones were used."""
    if not figures.percentile_methods or figures.percentile_methods == {METHOD_WHOLE_RUN}:
        return None
    return (
        "percentiles approximate: Locust writes no per-request times, so p50..p999 over the "
        "steady window mix the quantile points of its 10 s history snapshots, weighted by "
        "requests (see docs/analysis.md); max_ms is exact when the maximum rose in the window"
    )
