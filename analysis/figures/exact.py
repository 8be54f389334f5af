"""Request figures from memload's own files: every percentile (p50 .. p999, max) and the mean from
the merged HDR histograms of the steady window's intervals (exact to the histograms' 3
significant digits, whatever the window), and requests, failures, rps, error_rate, dropped from
``interval_counts.csv`` (complete: Locust's CSVs miss the last second of a run).

Rates divide by the seconds of load the selected intervals cover (each interval clipped to the
load's start and end), so a window that starts or ends inside an interval is not diluted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from memload import names as C
from memload.analysis.figures.requests import RequestFigures
from memload.analysis.read.hdr import Counts, mean_value, percentile_values, scale_of, total_count
from memload.analysis.read.intervals import (
    TOTAL,
    IntervalFiles,
    Merged,
    covered_s,
    merge_histograms,
    selected,
)
from memload.analysis.read.window import Window
from memload.scenario.figures import PERCENTILES

METHOD_HDR = "hdr_histograms_exact"
# a smooth response-time curve on the report's "nines" axis: 50 % .. 99.999 %, then the maximum
DISTRIBUTION_PERCENTS: tuple[float, ...] = tuple(
    sorted(
        {round(100.0 * (1.0 - 10.0**-x), 6) for x in np.arange(0.30103, 5.0001, 0.05)}
        | {50.0, 90.0, 99.0, 99.9, 99.99, 100.0}
    )
)


@dataclass(kw_only=True)
class ExactView:
    """The steady window as memload's files see it."""

    intervals: np.ndarray  # starts of the selected intervals
    covered_s: float  # seconds of load they cover
    counts: dict[str, dict[str, float]]  # scope (and "total") -> counter -> sum over the intervals
    merged: Merged
    scopes: list[str] = field(default_factory=list)  # operations, sorted; "total" not included
    breakdowns: list[str] = field(default_factory=list)  # "llm_chat|model=gpt-4", ... (C.breakdown_scope)

    def histogram(self, scope: str, metric: str) -> Counts | None:
        counts = self.merged.window.get((scope, metric))
        return counts if counts is not None and total_count(counts) > 0 else None

    @property
    def open_model(self) -> bool:
        """Queue times or dropped arrivals were recorded: an arrival-rate run."""
        return (
            any(m == C.METRIC_QUEUE for _, m in self.merged.window)
            or self.counts.get(TOTAL, {}).get(C.IC_DROPPED, 0) > 0
        )

    def per_s(self, amount: float) -> float | None:
        return amount / self.covered_s if self.covered_s > 0 else None


def exact_view(
    files: IntervalFiles, window: Window, *, with_series: bool = True, split_edges: np.ndarray | None = None
) -> ExactView:
    counts = files.counts
    chosen = counts[selected(counts[C.IC_INTERVAL].to_numpy(dtype=float), window)]
    sums = _sums_by_scope(chosen)
    if files.breakdown_counts is not None and not files.breakdown_counts.empty:
        breakdowns = files.breakdown_counts
        sums.update(
            _sums_by_scope(breakdowns[selected(breakdowns[C.IC_INTERVAL].to_numpy(dtype=float), window)])
        )
        counts = pd.concat([counts, breakdowns], ignore_index=True)
    sums[TOTAL] = {k: float(chosen[k].sum()) for k in C.IC_COUNTERS}
    intervals = np.unique(chosen[C.IC_INTERVAL].to_numpy(dtype=float))
    all_scopes = sorted(
        {str(s) for s in counts[C.IC_SCOPE].unique()}
        | {str(s) for s in files.histograms[C.HDR_SCOPE].unique()}
    )
    return ExactView(
        intervals=intervals,
        covered_s=covered_s(intervals, window),
        counts=sums,
        merged=merge_histograms(files, window, with_series=with_series, split_edges=split_edges),
        scopes=[s for s in all_scopes if s != TOTAL and not C.is_breakdown(s)],
        breakdowns=[s for s in all_scopes if C.is_breakdown(s)],
    )


def _sums_by_scope(chosen: pd.DataFrame) -> dict[str, dict[str, float]]:
    by_scope = chosen.groupby(C.IC_SCOPE, observed=True)[list(C.IC_COUNTERS)].sum()
    return {str(scope): {str(k): float(v) for k, v in row.items()} for scope, row in by_scope.iterrows()}


def latency_figures(counts: Counts | None, metric: str, prefix: str = "") -> dict[str, float]:
    """``{prefix}p50_ms`` .. ``{prefix}p999_ms`` and the mean and maximum of one histogram, in ms."""
    if counts is None:
        return {}
    scale = scale_of(metric)
    values = percentile_values(counts, list(PERCENTILES.values()) + [100.0])
    figures = {f"{prefix}{label}_ms": values[percent] / scale for label, percent in PERCENTILES.items()}
    figures[f"{prefix}max_ms"] = values[100.0] / scale
    mean = mean_value(counts)
    if mean is not None:
        figures[f"{prefix}mean_ms"] = mean / scale
    return figures


def _scope_figures(view: ExactView, scope: str) -> dict[str, float]:
    counters = view.counts.get(scope, dict.fromkeys(C.IC_COUNTERS, 0.0))
    requests = counters[C.IC_REQUESTS]
    figures = {"requests": requests, "failures": counters[C.IC_FAILURES]}
    rps = view.per_s(requests)
    if rps is not None:
        figures["rps"] = rps
    if requests > 0:
        figures["error_rate"] = counters[C.IC_FAILURES] / requests
    latency = latency_figures(view.histogram(scope, C.METRIC_RESPONSE), C.METRIC_RESPONSE)
    if "mean_ms" in latency:
        latency["avg_ms"] = latency.pop("mean_ms")
    figures.update(latency)
    if scope != TOTAL and counters.get(C.IC_EMBED_DOCS) and rps is not None:
        figures["docs_per_s"] = counters[C.IC_EMBED_DOCS] / view.covered_s
    if counters.get(C.IC_RATE_LIMITED):
        figures["rate_limited"] = counters[C.IC_RATE_LIMITED]
        waits = view.histogram(scope, C.METRIC_RETRY_WAIT)
        if waits is not None:
            mean = (mean_value(waits) or 0.0) / scale_of(C.METRIC_RETRY_WAIT)
            figures["retry_wait_s"] = mean * total_count(waits) / 1000.0
    if view.open_model:
        figures["dropped"] = counters[C.IC_DROPPED]
        queue = view.histogram(scope, C.METRIC_QUEUE)
        if queue is not None:
            figures["queue_ms"] = (mean_value(queue) or 0.0) / scale_of(C.METRIC_QUEUE)
    return figures


def distribution_ms(counts: Counts, metric: str = C.METRIC_RESPONSE) -> dict[float, float]:
    scale = scale_of(metric)
    return {p: v / scale for p, v in percentile_values(counts, DISTRIBUTION_PERCENTS).items()}


def exact_request_figures(view: ExactView, types: dict[str, list[str]]) -> RequestFigures:
    """The request figures of every operation and ``total`` over the view's intervals."""
    result = RequestFigures(percentile_methods={METHOD_HDR})
    if view.intervals.size:
        result.window_rows_s = (float(view.intervals.min()), float(view.intervals.max()) + C.INTERVAL_S)
    for scope in [*view.scopes, TOTAL]:
        figures = _scope_figures(view, scope)
        result.values.update({f"{scope}.{k}": float(v) for k, v in figures.items() if math.isfinite(v)})
        result.types[scope] = types.get(scope, [])
        result.scopes.append(scope)
        counts = view.histogram(scope, C.METRIC_RESPONSE)
        if counts is not None:
            result.distributions[scope] = distribution_ms(counts)
    return result


def view_warnings(view: ExactView, window: Window) -> list[str]:
    """What the report says about rows of memload's files it could not use."""
    warnings = []
    if view.merged.bad_rows:
        warnings.append(f"{C.HDR_CSV}: {view.merged.bad_rows} row(s) with an unreadable histogram ignored")
    if view.merged.unknown_metrics:
        unknown = ", ".join(sorted(view.merged.unknown_metrics))
        warnings.append(f"{C.HDR_CSV}: unknown metric(s) {unknown} ignored")
    if not view.intervals.size and not window.is_empty:
        warnings.append(
            f"no 10 s interval of {C.COUNTS_CSV} has its midpoint in the steady window; "
            "request figures are absent"
        )
    return warnings


def window_note(view: ExactView, window: Window) -> str:
    """How the window's intervals were chosen, for the report."""
    if not view.intervals.size:
        return "no 10 s interval has its midpoint inside the steady window"
    first = max(float(view.intervals.min()), window.load_start_s)  # the load may start inside it
    last = float(view.intervals.max()) + C.INTERVAL_S
    return (
        f"{view.intervals.size} interval(s) of {C.INTERVAL_S} s (unix-clock aligned) in the steady window "
        "(midpoint inside it, no warm-up request): "
        f"{first - window.run_start_unix:+.1f} s to {last - window.run_start_unix:+.1f} s "
        f"from the run start, {view.covered_s:.1f} s of load"
    )
