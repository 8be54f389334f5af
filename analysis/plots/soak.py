"""The plots of a soak run's analysis (analysis/soak): the target's RSS, fds and threads with their
Theil–Sen trend line and its 95 % band, the p95 of each window with the first and last marked, the
error timeline with the bursts shaded, and the load generator's own RSS per process. Every drawn
element carries a gid (``soak:…``; the RSS limit ``threshold:target.rss_mb``) so tests check what
was drawn, not pixels."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from memload import names as C
from memload.analysis.plots.kit import THRESHOLD_COLOR, finish, new_figure, shade_warmup, threshold_lines
from memload.analysis.plots.series import MAX_POINTS, TimeAxis
from memload.analysis.soak.analyse import SoakAnalysis
from memload.analysis.soak.bursts import Burst, FailureSeries
from memload.analysis.soak.drift import P95, Drift
from memload.analysis.soak.resources import ResourceTrend
from memload.analysis.soak.verdict import ci_text, rate_text
from memload.analysis.soak.windows import SoakWindow
from memload.scenario.thresholds import Threshold

TREND_COLOR = "#d62728"
FIRST_LAST_COLOR = "#1f77b4"
BURST_COLOR = "#ff7f0e"
LIMIT_VIEW = 1.5  # without a threshold, the RSS limit is drawn when it is below 1.5 × the data's top


def _x(axis: TimeAxis, hours: np.ndarray) -> np.ndarray:
    return np.asarray(hours, dtype=float) * 3600.0 / axis.seconds_per_unit


def _trend_lines(ax: Axes, axis: TimeAxis, found: ResourceTrend, prefix: str) -> None:
    if found.trend is None or not found.hours.size:
        return
    hours = np.array([found.hours.min(), found.hours.max()])
    ax.plot(
        _x(axis, hours),
        found.trend.at(hours),
        color=TREND_COLOR,
        label=f"trend {rate_text(found.trend.slope, found, signed=True)} {ci_text(found.trend)}",
        gid=f"{prefix}:trend",
    )
    low, high = found.trend.band(hours)
    ax.fill_between(
        _x(axis, hours),
        low,
        high,
        color=TREND_COLOR,
        alpha=0.15,
        label="95 % CI of the slope",
        gid=f"{prefix}:band",
    )


def _rss_limit(ax: Axes, found: ResourceTrend, limit_mb: float, thresholds: Sequence[Threshold]) -> None:
    rss_thresholds = [t for t in thresholds if t.address == "target.rss_mb"]
    if rss_thresholds:
        threshold_lines(ax, rss_thresholds, unit="MB")
    elif found.values.size and limit_mb <= LIMIT_VIEW * float(np.nanmax(found.values)):
        ax.axhline(
            limit_mb,
            color=THRESHOLD_COLOR,
            linestyle="--",
            linewidth=1.2,
            label=f"limit {limit_mb:g} MB",
            gid="threshold:target.rss_mb",
        )


def plot_target_trends(
    axis: TimeAxis,
    trends: Sequence[ResourceTrend],
    *,
    warmup_s: float,
    limit_mb: float,
    thresholds: Sequence[Threshold] = (),
) -> Figure:
    """One panel per target resource (RSS, fds, threads): medians per bin, trend line and band."""
    figure, axes = new_figure(rows=len(trends), height_in=2.6 * len(trends) + 0.8)
    for ax, found in zip(axes, trends):
        shade_warmup(ax, axis, warmup_s)
        prefix = f"soak:{found.column}"
        ax.plot(
            _x(axis, found.hours),
            found.values,
            color="#2ca02c",
            label=f"{found.name} (median per bin)",
            gid=f"{prefix}:data",
        )
        _trend_lines(ax, axis, found, prefix)
        if found.column == "rss_mb":
            _rss_limit(ax, found, limit_mb, thresholds)
        verdict = "LEAK" if found.leaking else "no leak"
        unit = f" ({found.unit})" if found.unit else ""
        last = found is trends[-1]
        finish(
            ax,
            title=f"Target {found.name.split(' ', 1)[1]}: {verdict}",
            xlabel=axis.label if last else None,
            ylabel=f"{found.name.split(' ', 1)[1]}{unit}",
        )
    return figure


def plot_window_p95(
    axis: TimeAxis,
    windows: Sequence[SoakWindow],
    drift: Drift | None,
    *,
    warmup_s: float,
    thresholds: Sequence[Threshold] = (),
) -> Figure:
    """The exact p95 of each window at its middle, the first and last windows shaded, and the
    Theil–Sen trend of p95 over the windows."""
    figure, (ax,) = new_figure()
    shade_warmup(ax, axis, warmup_s)
    measured = [w for w in windows if w.get(P95) is not None]
    middle = axis.x(np.array([(w.start_unix + w.end_unix) / 2.0 for w in measured]))
    ax.plot(
        middle,
        [w.figures[P95] for w in measured],
        marker="o",
        color="black",
        label="p95 per window (exact)",
        gid="soak:p95:windows",
    )
    for name, found in (("first", windows[0]), ("last", windows[-1])):
        ax.axvspan(
            float(axis.x(found.start_unix)),
            float(axis.x(found.end_unix)),
            color=FIRST_LAST_COLOR,
            alpha=0.12,
            label="first and last window" if name == "first" else None,
            gid=f"soak:{name}_window",
        )
    if drift is not None and drift.trend is not None:
        hours = np.array([(w.start_unix + w.end_unix) / 2.0 - axis.origin_unix for w in measured]) / 3600.0
        ax.plot(
            middle,
            drift.trend.at(hours),
            color=TREND_COLOR,
            linestyle="--",
            label=f"trend {drift.trend.slope:+.3g} ms/h",
            gid="soak:p95:trend",
        )
    threshold_lines(ax, [t for t in thresholds if t.address == P95], unit="ms")
    ax.set_ylim(bottom=0)
    title = "p95 per window (all operations)"
    if drift is not None:
        title += f": last against first {drift.pct:+.1f} %"
    finish(ax, title=title, xlabel=axis.label, ylabel="p95 response time (ms)")
    return figure


def plot_error_timeline(
    axis: TimeAxis, series: FailureSeries, bursts: Sequence[Burst], *, warmup_s: float
) -> Figure:
    """Failures per interval (in bins of several intervals on a long run), in total and for each
    operation that burst, with each burst shaded."""
    figure, (ax,) = new_figure()
    shade_warmup(ax, axis, warmup_s)
    per_bin = max(1, math.ceil(series.starts.size / MAX_POINTS))
    count = math.ceil(series.starts.size / per_bin)
    index = np.arange(series.starts.size) // per_bin
    width_s = per_bin * (series.starts[1] - series.starts[0] if series.starts.size > 1 else 10.0)
    x = axis.x(series.starts[::per_bin] + width_s / 2.0)
    scopes = ["total", *sorted({op for b in bursts for op in b.operations})]
    for scope in scopes:
        values = np.bincount(index, weights=series.failures[scope], minlength=count)
        ax.plot(
            x,
            values,
            color="black" if scope == "total" else None,
            linewidth=1.0,
            label=scope,
            gid=f"soak:failures:{scope}",
        )
    for number, burst in enumerate(bursts):
        ax.axvspan(
            float(axis.x(burst.start_unix)),
            float(axis.x(burst.end_unix)),
            color=BURST_COLOR,
            alpha=0.3,
            label="error burst" if number == 0 else None,
            gid=f"soak:burst:{number}",
        )
    ax.set_ylim(bottom=0)
    finish(
        ax,
        title=f"Failures over time: {len(bursts)} burst(s)",
        xlabel=axis.label,
        ylabel=f"failures per {width_s:g} s",
    )
    return figure


def plot_harness_rss(axis: TimeAxis, trends: Sequence[ResourceTrend], *, warmup_s: float) -> Figure:
    """Each load-generator process's RSS (medians per bin) with its trend line."""
    figure, (ax,) = new_figure()
    shade_warmup(ax, axis, warmup_s)
    for found in trends:
        (line,) = ax.plot(
            _x(axis, found.hours), found.values, label=found.role, gid=f"soak:harness:{found.role}"
        )
        if found.trend is not None and found.hours.size:
            hours = np.array([found.hours.min(), found.hours.max()])
            ax.plot(
                _x(axis, hours),
                found.trend.at(hours),
                color=line.get_color(),
                linestyle="--",
                label=f"{found.role} trend {rate_text(found.trend.slope, found, signed=True)}",
                gid=f"soak:harness:{found.role}:trend",
            )
    ax.set_ylim(bottom=0)
    finish(ax, title="Load generator memory per process", xlabel=axis.label, ylabel="RSS (MB)")
    return figure


def soak_plot_specs(
    soak: SoakAnalysis, axis: TimeAxis, *, warmup_s: float, thresholds: Sequence[Threshold] = ()
) -> Iterator[tuple[str, str, Callable[[], Figure]]]:
    """(file name, title, builder) of each soak plot the analysis has data for."""
    target = [t for t in soak.trends if t.role == "target" and t.values.size]
    if target:
        yield (
            "soak_target_resources.png",
            "Target resources over the soak, with trends",
            lambda: plot_target_trends(
                axis, target, warmup_s=warmup_s, limit_mb=soak.rss_limit_mb, thresholds=thresholds
            ),
        )
    if any(w.get(P95) is not None for w in soak.windows):
        yield (
            "soak_p95_windows.png",
            "p95 per window",
            lambda: plot_window_p95(axis, soak.windows, soak.drift, warmup_s=warmup_s, thresholds=thresholds),
        )
    failures = soak.failures
    if failures is not None:
        yield (
            "soak_errors.png",
            "Failures over time and error bursts",
            lambda: plot_error_timeline(axis, failures, soak.bursts, warmup_s=warmup_s),
        )
    harness = [t for t in soak.harness if t.values.size and t.column == C.RES_RSS_MB]
    if harness:
        yield (
            "soak_loadgen_rss.png",
            "Load generator memory per process",
            lambda: plot_harness_rss(axis, harness, warmup_s=warmup_s),
        )
