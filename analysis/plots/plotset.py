"""Which plots a report has, built from an Analysis and written to ``report/plots/*.png``."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from matplotlib.figure import Figure

from memload.analysis.checks.plots import check_plot_specs
from memload.analysis.figures.analyse import Analysis
from memload.analysis.figures.exact import METHOD_HDR
from memload.analysis.figures.percentiles import METHOD_HISTORY_MIXTURE, METHOD_WHOLE_RUN
from memload.analysis.plots.capacity import capacity_plot_specs
from memload.analysis.plots.kit import load_boundaries, save_png
from memload.analysis.plots.llm import llm_plots
from memload.analysis.plots.process import plot_cache_hit_rate, plot_loadgen_cpu, plot_target_resources
from memload.analysis.plots.request_lines import RequestLines, request_lines
from memload.analysis.plots.requests import (
    finite,
    plot_distribution,
    plot_error_rate,
    plot_latency,
    plot_latency_overview,
    plot_rps,
)
from memload.analysis.plots.series import (
    TimeAxis,
    cache_hit_rate_series,
    loadgen_cpu_series,
    target_series,
)
from memload.analysis.plots.soak import soak_plot_specs


@dataclass(frozen=True, kw_only=True)
class Plot:
    file_name: str  # under report/plots/
    title: str
    png: bytes


PlotSpec = tuple[str, str, Callable[[], Figure]]
DISTRIBUTION_FILE = "latency_distribution.png"


def safe_file_part(name: str) -> str:
    """A request Name as part of a file name ("/v1/search" -> "_v1_search")."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def time_axis(analysis: Analysis) -> TimeAxis:
    window = analysis.window
    return TimeAxis.for_run(window.run_start_unix, window.run_duration_s)


OVERVIEW_FILE = "latency_overview.png"
PER_OPERATION_PREFIX = "latency_"  # latency_<operation>.png: written, linked, not shown beside the overview


def boundaries_of(analysis: Analysis) -> list[float]:
    return load_boundaries(analysis.data.meta, analysis.window.load_start_s)


def _latency_specs(analysis: Analysis, axis: TimeAxis, lines: RequestLines) -> Iterator[PlotSpec]:
    warmup_s, thresholds = analysis.window.excluded_s, analysis.thresholds
    drawn = {}
    for scope in analysis.requests.scopes or list(lines.latency_ms):
        latency = lines.latency_ms.get(scope, {})
        if latency and any(finite(s.values) for s in latency.values()):
            drawn[scope] = latency
    source, boundaries = lines.latency_source, boundaries_of(analysis)
    if len(drawn) > 1:
        build = partial(
            plot_latency_overview,
            axis,
            drawn,
            warmup_s=warmup_s,
            thresholds=thresholds,
            source=source,
            boundaries=boundaries,
        )
        yield OVERVIEW_FILE, "Response time per operation (p50, p95, p99)", build
    for scope, latency in drawn.items():
        build = partial(
            plot_latency,
            axis,
            scope,
            latency,
            warmup_s=warmup_s,
            thresholds=thresholds,
            source=source,
            boundaries=boundaries,
        )
        yield (f"{PER_OPERATION_PREFIX}{safe_file_part(scope)}.png", f"Response time of {scope}", build)


def shown_in_report(plots: list[Plot]) -> list[Plot]:
    """The plots report.html shows: with the small-multiples overview, not the per-operation
    latency plots it summarises (they stay in plots/ for those who link them)."""
    if not any(p.file_name == OVERVIEW_FILE for p in plots):
        return plots
    return [
        p
        for p in plots
        if p.file_name in (OVERVIEW_FILE, DISTRIBUTION_FILE)
        or not p.file_name.startswith(PER_OPERATION_PREFIX)
    ]


def _request_specs(analysis: Analysis, axis: TimeAxis) -> Iterator[PlotSpec]:
    warmup_s, thresholds = analysis.window.excluded_s, analysis.thresholds
    lines = request_lines(analysis)
    rps = partial(
        plot_rps,
        axis,
        lines.rps,
        lines.users,
        warmup_s=warmup_s,
        thresholds=thresholds,
        source=lines.rate_source,
        boundaries=boundaries_of(analysis),
        stalls=[(s.start_unix, s.end_unix) for s in analysis.stalls],
    )
    yield "rps.png", "Requests per second and users", rps
    yield from _latency_specs(analysis, axis, lines)
    errors = partial(
        plot_error_rate,
        axis,
        lines.error_rate,
        warmup_s=warmup_s,
        thresholds=thresholds,
        source=lines.rate_source,
    )
    yield "error_rate.png", "Error rate", errors
    if analysis.requests.distributions:
        methods = analysis.requests.percentile_methods
        method = next((m for m in (METHOD_HDR, METHOD_HISTORY_MIXTURE) if m in methods), METHOD_WHOLE_RUN)
        build = partial(plot_distribution, analysis.requests.distributions, method=method)
        yield DISTRIBUTION_FILE, "Response-time distribution", build


def _process_specs(analysis: Analysis, axis: TimeAxis) -> Iterator[PlotSpec]:
    data, warmup_s, thresholds = analysis.data, analysis.window.excluded_s, analysis.thresholds
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


def plot_specs(analysis: Analysis) -> list[PlotSpec]:
    """(file name, title, builder) of every plot the data allows, in report order; a builder
    returns its matplotlib Figure (tests inspect what it drew)."""
    axis = time_axis(analysis)
    counts = None if analysis.data.intervals is None else analysis.data.intervals.counts
    capacity = capacity_plot_specs(analysis.capacity) if analysis.capacity is not None else ()
    soak = analysis.soak
    soak_plots = (
        ()
        if soak is None
        else soak_plot_specs(soak, axis, warmup_s=analysis.window.excluded_s, thresholds=analysis.thresholds)
    )
    return [
        *capacity,
        *soak_plots,
        *_request_specs(analysis, axis),
        *llm_plots(analysis.view, counts, axis, analysis.window, analysis.thresholds),
        *_process_specs(analysis, axis),
        *check_plot_specs(analysis.checks, axis, analysis.thresholds),
    ]


def write_plots(analysis: Analysis, plots_dir: Path) -> list[Plot]:
    """Draw every plot the data allows into ``plots_dir``; one figure in memory at a time.
    PNGs left there by an earlier report of the same run are removed first."""
    plots_dir.mkdir(parents=True, exist_ok=True)
    for stale in plots_dir.glob("*.png"):
        stale.unlink()
    plots = []
    for file_name, title, build in plot_specs(analysis):
        plots.append(Plot(file_name=file_name, title=title, png=save_png(build(), plots_dir / file_name)))
    return plots
