"""Request plots: throughput with users, latency percentiles per operation with their thresholds,
error rate, and the response-time distribution. Each function returns a matplotlib Figure."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from memload.analysis.figures.exact import METHOD_HDR
from memload.analysis.figures.percentiles import METHOD_HISTORY_MIXTURE, METHOD_WHOLE_RUN
from memload.analysis.plots.kit import (
    finish,
    floor_below_zero,
    mark_boundaries,
    mark_stalls,
    new_figure,
    outside_legend,
    point_style,
    scope_color,
    shade_warmup,
    threshold_lines,
)
from memload.analysis.plots.series import Series, TimeAxis
from memload.scenario.thresholds import Threshold

LATENCY_STYLES: dict[str, str] = {"p50": ":", "p95": "--", "p99": "-"}
# p50/p95/p99 apart by colour and marker too: drawn as points (few intervals) they have no line style
PERCENTILE_LOOKS: dict[str, dict[str, str]] = {
    "p50": {"color": "#2ca02c", "marker": "v"},
    "p95": {"color": "#1f77b4", "marker": "s"},
    "p99": {"color": "#9467bd", "marker": "^"},
}


def percentile_style(label: str, points: int) -> dict[str, object]:
    """Line style, colour and (for few points) marker of a p50/p95/p99 series."""
    looks = PERCENTILE_LOOKS.get(label, {})
    style: dict[str, object] = {"linestyle": LATENCY_STYLES.get(label, "-"), "color": looks.get("color")}
    style.update(point_style(points))
    if "marker" in style and "marker" in looks:
        style["marker"] = looks["marker"]
    return style


LOG_SCALE_RATIO = 10.0  # latency plots go log-scale when a threshold is this far above the median
DISTRIBUTION_MAX_NINES = 5.0
LOCUST_LATENCY_SOURCE = "Locust's 10 s window percentiles"
METHOD_TITLES: dict[str, str] = {
    METHOD_HDR: "exact: memload's merged HDR histograms",
    METHOD_WHOLE_RUN: "Locust's whole-run percentiles",
    METHOD_HISTORY_MIXTURE: "approximate: mix of Locust's 10 s history snapshots",
}  # where "100%" (the maximum) sits on the nines axis


def plot_rps(
    axis: TimeAxis,
    rps: Mapping[str, Series],
    users: Series | None,
    *,
    warmup_s: float,
    thresholds: Sequence[Threshold] = (),
    source: str | None = None,
    boundaries: Sequence[float] = (),
    stalls: Sequence[tuple[float, float]] = (),
) -> Figure:
    """Requests/s over time per operation (and in total), with the user count on a second axis;
    ``source`` (in the title) says where the rates come from; the load's step changes and the
    stalls (unix s) are marked."""
    figure, (ax,) = new_figure()
    scopes = list(rps)
    shade_warmup(ax, axis, warmup_s)
    mark_stalls(ax, axis, stalls)
    mark_boundaries(ax, axis, boundaries)
    for scope, series in rps.items():
        ax.plot(
            axis.x(series.t_unix),
            series.values,
            label=scope,
            color=scope_color(scope, scopes),
            linewidth=1.8 if scope == "total" else 1.2,
            **point_style(series.values.size, most=0),
        )
    threshold_lines(ax, [t for t in thresholds if t.address.endswith(".rps")], unit="req/s")
    handles, labels = ax.get_legend_handles_labels()
    if users is not None:
        twin = ax.twinx()
        twin.plot(axis.x(users.t_unix), users.values, color="grey", linestyle="-.", label="users")
        twin.set_ylabel("users (concurrent)")
        twin.set_ylim(bottom=0)
        more_handles, more_labels = twin.get_legend_handles_labels()
        handles, labels = handles + more_handles, labels + more_labels
    ax.set_ylim(bottom=0)
    finish(
        ax,
        title=_titled("Throughput: requests per second by operation", source),
        xlabel=axis.label,
        ylabel="requests/s",
        legend=False,
    )
    outside_legend(ax, handles, labels, x_offset=1.09 if users is not None else 1.01)
    return figure


def plot_latency(
    axis: TimeAxis,
    scope: str,
    latency_ms: Mapping[str, Series],
    *,
    warmup_s: float,
    thresholds: Sequence[Threshold] = (),
    source: str = LOCUST_LATENCY_SOURCE,
    boundaries: Sequence[float] = (),
) -> Figure:
    """p50/p95/p99 of one operation over time, with that operation's pNN_ms thresholds and the
    load's step changes; ``source`` (in the title) says where the percentiles come from."""
    figure, (ax,) = new_figure()
    shade_warmup(ax, axis, warmup_s)
    mark_boundaries(ax, axis, boundaries)
    for label, series in latency_ms.items():
        ax.plot(
            axis.x(series.t_unix),
            series.values,
            label=label,
            **percentile_style(label, series.values.size),  # type: ignore[arg-type]
        )
    wanted = {f"{scope}.{label}_ms" for label in latency_ms}
    drawn = [t for t in thresholds if t.address in wanted]
    threshold_lines(ax, drawn, unit="ms")
    peaks = [float(np.nanmax(s.values)) for s in latency_ms.values() if finite(s.values)]
    top = max(peaks + [t.limit for t in drawn] + [1.0])
    ylabel = "response time (ms)"
    values = np.concatenate([s.values[np.isfinite(s.values)] for s in latency_ms.values()])
    typical = float(np.median(values)) if values.size else 0.0
    if peaks and drawn and top > LOG_SCALE_RATIO * max(typical, 1e-3):
        # a threshold far above the data: a log scale shows both the line and the data
        lows = [float(np.nanmin(s.values[s.values > 0])) for s in latency_ms.values() if (s.values > 0).any()]
        ax.set_yscale("log")
        ax.set_ylim(min(lows + [top]) / 2.0, top * 2.0)
        ylabel = "response time (ms, log scale)"
    else:
        ax.set_ylim(0, top * 1.1)
    finish(ax, title=f"Response time of {scope} ({source})", xlabel=axis.label, ylabel=ylabel)
    return figure


OVERVIEW_COLUMNS = 3


def plot_latency_overview(
    axis: TimeAxis,
    latency_ms: Mapping[str, Mapping[str, Series]],
    *,
    warmup_s: float,
    thresholds: Sequence[Threshold] = (),
    source: str = LOCUST_LATENCY_SOURCE,
    boundaries: Sequence[float] = (),
) -> Figure:
    """Small multiples: p50/p95/p99 over time, one small panel per operation (``total`` first),
    each with its pNN_ms thresholds and the load's step changes; y axes are each their own."""
    scopes = sorted(latency_ms, key=lambda s: (s != "total", s))
    rows = max(1, math.ceil(len(scopes) / OVERVIEW_COLUMNS))
    figure = Figure(figsize=(11.0, 0.6 + 2.3 * rows), dpi=100)
    FigureCanvasAgg(figure)
    figure.subplots_adjust(
        left=0.06, right=0.98, top=1 - 0.6 / (0.6 + 2.3 * rows), bottom=0.35 / rows, hspace=0.55, wspace=0.25
    )
    grid = figure.subplots(rows, OVERVIEW_COLUMNS, sharex=True, squeeze=False)
    for index, ax in enumerate(grid.ravel()):
        if index >= len(scopes):
            ax.set_visible(False)
            continue
        scope = scopes[index]
        shade_warmup(ax, axis, warmup_s)
        mark_boundaries(ax, axis, boundaries)
        lines = latency_ms[scope]
        for label, series in lines.items():
            ax.plot(
                axis.x(series.t_unix),
                series.values,
                label=label,
                **percentile_style(label, series.values.size),
            )
        threshold_lines(
            ax, [t for t in thresholds if t.address in {f"{scope}.{p}_ms" for p in lines}], unit="ms"
        )
        ax.set_ylim(bottom=0)
        ax.set_title(scope, fontsize="medium")
        ax.grid(True, alpha=0.3)
        ax.tick_params(labelsize="small")
    grid[0, 0].legend(fontsize="x-small", loc="upper left")
    figure.suptitle(
        f"Response time p50, p95, p99 (ms) per operation ({source})",
        fontsize="medium",
    )
    figure.supxlabel(axis.label, fontsize="small")
    return figure


def plot_error_rate(
    axis: TimeAxis,
    error_rate: Mapping[str, Series],
    *,
    warmup_s: float,
    thresholds: Sequence[Threshold] = (),
    source: str | None = None,
) -> Figure:
    """Failures / requests (%) over time in total and for each operation that had failures."""
    figure, (ax,) = new_figure()
    scopes = list(error_rate)
    shade_warmup(ax, axis, warmup_s)
    for scope, series in error_rate.items():
        if scope != "total" and not np.nan_to_num(series.values).any():
            continue  # an operation without failures would only add a line at 0
        ax.plot(
            axis.x(series.t_unix),
            series.values * 100.0,
            label=scope,
            color=scope_color(scope, scopes),
            linewidth=1.8 if scope == "total" else 1.0,
            alpha=1.0 if scope == "total" else 0.7,
            **point_style(series.values.size, most=0),
        )
    error_thresholds = [t for t in thresholds if t.address.endswith(".error_rate")]
    threshold_lines(ax, error_thresholds, scale=100.0, unit="%")
    top = max([float(np.nanmax(s.values)) * 100.0 for s in error_rate.values() if finite(s.values)] + [0.0])
    floor_below_zero(ax, max([top, *(t.limit * 100.0 for t in error_thresholds)]) * 1.1 or 1.0)
    finish(
        ax,
        title=_titled("Error rate: failed requests as a share of requests", source),
        xlabel=axis.label,
        ylabel="error rate (% of requests)",
    )
    return figure


def _titled(title: str, source: str | None) -> str:
    return title if source is None else f"{title} (from {source})"


def nines(percent: float) -> float:
    """Position of a percentile on a 'nines' axis: 90 -> 1, 99 -> 2, 99.9 -> 3; 100 -> the end."""
    if percent >= 100.0:
        return DISTRIBUTION_MAX_NINES
    return min(-math.log10(1.0 - percent / 100.0), DISTRIBUTION_MAX_NINES)


def plot_distribution(distributions: Mapping[str, Mapping[float, float]], *, method: str) -> Figure:
    """Response time against percentile per operation, on a 'nines' axis (50 % ... max)."""
    figure, (ax,) = new_figure()
    scopes = list(distributions)
    for scope, values in distributions.items():
        percents = sorted(values)
        ax.plot(
            [nines(p) for p in percents],
            [values[p] for p in percents],
            label=scope,
            color=scope_color(scope, scopes),
            linewidth=1.8 if scope == "total" else 1.2,
            **point_style(len(percents), most=20),  # Locust's 11 points
        )
    ticks = [50.0, 90.0, 99.0, 99.9, 99.99, 100.0]
    ax.set_xticks([nines(p) for p in ticks], ["50%", "90%", "99%", "99.9%", "99.99%", "max"])
    ax.set_ylim(bottom=0)
    finish(
        ax,
        title=f"Response-time distribution over the steady window\n({METHOD_TITLES.get(method, method)})",
        xlabel="percentile of requests",
        ylabel="response time (ms)",
    )
    return figure


def finite(values: np.ndarray) -> bool:
    """True when a series has anything to draw."""
    return bool(np.isfinite(values).any())
