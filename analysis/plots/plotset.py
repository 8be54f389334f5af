"""Which plots a report has, built from an Analysis and written to ``report/plots/*.png``."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure

from memload.analysis.figures.analyse import Analysis
from memload.analysis.figures.exact import METHOD_HDR
from memload.analysis.figures.llm import llm_plots
from memload.analysis.figures.percentiles import METHOD_HISTORY_MIXTURE, METHOD_WHOLE_RUN
from memload.analysis.plots.kit import save_png
from memload.analysis.plots.process import plot_cache_hit_rate, plot_loadgen_cpu, plot_target_resources
from memload.analysis.plots.requests import (
    LOCUST_LATENCY_SOURCE,
    finite,
    plot_distribution,
    plot_error_rate,
    plot_latency,
    plot_rps,
)
from memload.analysis.plots.series import (
    Series,
    TimeAxis,
    cache_hit_rate_series,
    loadgen_cpu_series,
    request_series,
    target_series,
)


@dataclass(frozen=True, kw_only=True)
class Plot:
    file_name: str  # under report/plots/
    title: str
    png: bytes


PlotSpec = tuple[str, str, Callable[[], Figure]]


def safe_file_part(name: str) -> str:
    """A request Name as part of a file name ("/v1/search" -> "_v1_search")."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def time_axis(analysis: Analysis) -> TimeAxis:
    window = analysis.window
    return TimeAxis.for_run(window.run_start_unix, window.run_duration_s)


def _request_specs(analysis: Analysis, axis: TimeAxis) -> Iterator[PlotSpec]:
    data, warmup_s, thresholds = analysis.data, analysis.window.warmup_s, analysis.thresholds
    series = request_series(data.history, data.history_percentiles)
    yield (
        "rps.png",
        "Requests per second and users",
        lambda: plot_rps(axis, series.rps, series.users, warmup_s=warmup_s, thresholds=thresholds),
    )
    latencies, source = _latency_lines(analysis, series.latency_ms)
    for scope in analysis.requests.scopes or list(latencies):
        latency = latencies.get(scope, {})
        if latency and any(finite(s.values) for s in latency.values()):
            yield (
                f"latency_{safe_file_part(scope)}.png",
                f"Response time of {scope}",
                lambda scope=scope, latency=latency: plot_latency(
                    axis, scope, latency, warmup_s=warmup_s, thresholds=thresholds, source=source
                ),
            )
    yield (
        "error_rate.png",
        "Error rate",
        lambda: plot_error_rate(axis, series.error_rate, warmup_s=warmup_s, thresholds=thresholds),
    )
    if analysis.requests.distributions:
        methods = analysis.requests.percentile_methods
        method = next((m for m in (METHOD_HDR, METHOD_HISTORY_MIXTURE) if m in methods), METHOD_WHOLE_RUN)
        yield (
            "latency_distribution.png",
            "Response-time distribution",
            lambda: plot_distribution(analysis.requests.distributions, method=method),
        )


def _latency_lines(
    analysis: Analysis, locust: dict[str, dict[str, Series]]
) -> tuple[dict[str, dict[str, Series]], str]:
    """p50/p95/p99 over time per scope: from memload's histograms per interval (merged per bin
    on long runs) when the run has them, else Locust's 10 s window percentiles."""
    view = analysis.view
    if view is None or view.merged.bins is None:
        return locust, LOCUST_LATENCY_SOURCE
    bins = view.merged.bins
    lines = {
        scope: {
            label: Series(t_unix=bins.centres, values=values, label=label)
            for label, values in by_label.items()
        }
        for (scope, metric), by_label in view.merged.series.items()
        if metric == "response_ms"
    }
    span = f"per {bins.width_s:g} s interval" if bins.width_s == 10 else f"merged per {bins.width_s:g} s"
    return lines, f"memload's HDR histograms, {span}"


def _process_specs(analysis: Analysis, axis: TimeAxis) -> Iterator[PlotSpec]:
    data, warmup_s, thresholds = analysis.data, analysis.window.warmup_s, analysis.thresholds
    if data.resources is not None:
        target = target_series(data.resources)
        if target is not None:
            yield (
                "target_resources.png",
                "Target CPU and memory",
                lambda: plot_target_resources(axis, *target, warmup_s=warmup_s, thresholds=thresholds),
            )
        loadgen = loadgen_cpu_series(data.resources)
        if loadgen:
            yield (
                "loadgen_cpu.png",
                "Load generator CPU",
                lambda: plot_loadgen_cpu(axis, loadgen, warmup_s=warmup_s),
            )
    if data.target_metrics is not None:
        rate = cache_hit_rate_series(data.target_metrics)
        if rate is not None and finite(rate.values):
            yield (
                "cache_hit_rate.png",
                "Target cache hit rate",
                lambda: plot_cache_hit_rate(axis, rate, warmup_s=warmup_s, thresholds=thresholds),
            )


def write_plots(analysis: Analysis, plots_dir: Path) -> list[Plot]:
    """Draw every plot the data allows into ``plots_dir``; one figure in memory at a time.
    PNGs left there by an earlier report of the same run are removed first."""
    plots_dir.mkdir(parents=True, exist_ok=True)
    for stale in plots_dir.glob("*.png"):
        stale.unlink()
    axis = time_axis(analysis)
    plots = []
    counts = None if analysis.data.intervals is None else analysis.data.intervals.counts
    specs = (
        *_request_specs(analysis, axis),
        *llm_plots(analysis.view, counts, axis, analysis.window, analysis.thresholds),
        *_process_specs(analysis, axis),
    )
    for file_name, title, build in specs:
        plots.append(Plot(file_name=file_name, title=title, png=save_png(build(), plots_dir / file_name)))
    return plots
