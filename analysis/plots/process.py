"""Process plots: the target's CPU and memory (with their thresholds), the load generator's CPU
(with the 90 % warning band) and the target's cache hit rate."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from memload.analysis.figures.process import LOADGEN_CPU_WARN_PCT
from memload.analysis.plots.kit import THRESHOLD_COLOR, finish, new_figure, shade_warmup, threshold_lines
from memload.analysis.plots.series import Series, TimeAxis
from memload.scenario.thresholds import Threshold

WARN_BAND_LABEL = f"above {LOADGEN_CPU_WARN_PCT:.0f}%: may limit the load"


def plot_target_resources(
    axis: TimeAxis, cpu: Series, rss: Series, *, warmup_s: float, thresholds: Sequence[Threshold] = ()
) -> Figure:
    """Target CPU (% of one core) above, RSS (MB) below, each with the scenario's thresholds (no
    line where the scenario sets none)."""
    figure, (ax_cpu, ax_rss) = new_figure(rows=2, height_in=6.5)
    for ax in (ax_cpu, ax_rss):
        shade_warmup(ax, axis, warmup_s)
    ax_cpu.plot(axis.x(cpu.t_unix), cpu.values, color="#1f77b4", label="target CPU (all its processes)")
    threshold_lines(ax_cpu, [t for t in thresholds if t.address.startswith("target.cpu_pct")], unit="%")
    ax_cpu.set_ylim(bottom=0)
    finish(ax_cpu, title="Target CPU", xlabel=None, ylabel="CPU (% of one core)")
    ax_rss.plot(axis.x(rss.t_unix), rss.values, color="#2ca02c", label="target RSS (peak per bin)")
    rss_thresholds = [t for t in thresholds if t.address == "target.rss_mb"]
    threshold_lines(ax_rss, rss_thresholds, unit="MB")
    top = max(
        [float(np.nanmax(rss.values)) if np.isfinite(rss.values).any() else 0.0]
        + [t.limit for t in rss_thresholds]
    )
    ax_rss.set_ylim(0, top * 1.1 or 1.0)
    finish(ax_rss, title="Target memory (resident set size)", xlabel=axis.label, ylabel="RSS (MB)")
    return figure


def plot_loadgen_cpu(axis: TimeAxis, cpu: Sequence[Series], *, warmup_s: float) -> Figure:
    """CPU of each load-generator process with a band above 90 % of one core."""
    figure, (ax,) = new_figure()
    shade_warmup(ax, axis, warmup_s)
    peak = LOADGEN_CPU_WARN_PCT
    for series in cpu:
        ax.plot(axis.x(series.t_unix), series.values, label=series.label)
        if np.isfinite(series.values).any():
            peak = max(peak, float(np.nanmax(series.values)))
    top = max(105.0, peak * 1.05)
    ax.axhspan(LOADGEN_CPU_WARN_PCT, top, color=THRESHOLD_COLOR, alpha=0.12, label=WARN_BAND_LABEL)
    ax.set_ylim(0, top)
    finish(ax, title="Load generator CPU per process", xlabel=axis.label, ylabel="CPU (% of one core)")
    return figure


def plot_cache_hit_rate(
    axis: TimeAxis, rate: Series, *, warmup_s: float, thresholds: Sequence[Threshold] = ()
) -> Figure:
    """The target's cache hit rate (%) over time, with its threshold."""
    figure, (ax,) = new_figure()
    shade_warmup(ax, axis, warmup_s)
    ax.plot(axis.x(rate.t_unix), rate.values * 100.0, color="#9467bd", label="cache hit rate")
    threshold_lines(
        ax, [t for t in thresholds if t.address == "target.cache_hit_rate"], scale=100.0, unit="%"
    )
    ax.set_ylim(0, 105)
    finish(
        ax,
        title="Target cache hit rate: hits / (hits + misses)",
        xlabel=axis.label,
        ylabel="cache hit rate (%)",
    )
    return figure
