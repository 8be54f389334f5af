"""The lines of the request plots (requests/s, error rate, p50/p95/p99 over time), from the same
source as the run's request figures (``Analysis.source``):

- memload's files: requests/s and error rate per operation and in total from
  ``interval_counts.csv`` (``plots.rates``), percentiles from the histograms of each plot bin, so
  the plots agree with the tables, summary.json and the thresholds;
- Locust only: Locust's ``locust_stats_history.csv`` (``plots.series.request_series``).

The user count always comes from Locust's history: it is not a request figure."""

from __future__ import annotations

from dataclasses import dataclass, field

from memload import names as C
from memload.analysis.figures.analyse import Analysis
from memload.analysis.plots.rates import error_rates, loaded_bins, request_rates
from memload.analysis.plots.requests import LOCUST_LATENCY_SOURCE
from memload.analysis.plots.series import Series, request_series, users_series

LOCUST_RATE_SOURCE = "Locust's cumulative counters"
COUNTS_RATE_SOURCE = f"memload's {C.COUNTS_CSV}"


@dataclass(kw_only=True)
class RequestLines:
    rps: dict[str, Series]  # scope -> requests/s
    error_rate: dict[str, Series]  # scope -> failures/requests
    users: Series | None
    latency_ms: dict[str, dict[str, Series]] = field(default_factory=dict)  # scope -> "p95" -> ms
    rate_source: str = LOCUST_RATE_SOURCE
    latency_source: str = LOCUST_LATENCY_SOURCE


def _histogram_latency(analysis: Analysis) -> tuple[dict[str, dict[str, Series]], str] | None:
    """p50/p95/p99 per plot bin of memload's histograms (merged per bin on long runs)."""
    view = analysis.view
    if view is None or view.merged.bins is None:
        return None
    bins = view.merged.bins
    loaded, _, middles = loaded_bins(bins, analysis.window)  # no point after the last request
    lines = {
        scope: {
            label: Series(t_unix=middles, values=values[loaded], label=label)
            for label, values in by_label.items()
        }
        for (scope, metric), by_label in view.merged.series.items()
        if metric == C.METRIC_RESPONSE
    }
    span = f"per {bins.width_s:g} s interval" if bins.width_s == 10 else f"merged per {bins.width_s:g} s"
    return lines, f"memload's HDR histograms, {span}"


def _locust_lines(analysis: Analysis) -> RequestLines:
    series = request_series(analysis.data.history, analysis.data.history_percentiles)
    return RequestLines(
        rps=series.rps, error_rate=series.error_rate, users=series.users, latency_ms=series.latency_ms
    )


def request_lines(analysis: Analysis) -> RequestLines:
    """Every line of the request plots of ``analysis``'s run."""
    intervals = analysis.data.intervals
    if analysis.source.locust_only or intervals is None:
        return _locust_lines(analysis)
    lines = RequestLines(
        rps=request_rates(intervals.counts, analysis.window),
        error_rate=error_rates(intervals.counts, analysis.window),
        users=users_series(analysis.data.history),
        rate_source=COUNTS_RATE_SOURCE,
    )
    latency = _histogram_latency(analysis)
    if latency is None:  # no histogram of a known metric: Locust's window percentiles
        lines.latency_ms = request_series(analysis.data.history, analysis.data.history_percentiles).latency_ms
    else:
        lines.latency_ms, lines.latency_source = latency
    return lines
