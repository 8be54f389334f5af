"""LLM streaming plots, from memload's per-interval files: time to first token over time per
operation (exact percentiles of each plot bin's merged histograms) and output tokens per second
(``interval_counts.csv``). The figures themselves are in ``memload.analysis.figures.llm``."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import partial

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from memload.analysis.figures.exact import ExactView
from memload.analysis.figures.llm import llm_scopes
from memload.analysis.plots.kit import (
    finish,
    new_figure,
    point_style,
    scope_color,
    shade_warmup,
    threshold_lines,
)
from memload.analysis.plots.rates import loaded_bins, tokens_per_s
from memload.analysis.plots.requests import percentile_style
from memload.analysis.plots.series import Series, TimeAxis
from memload.analysis.read.intervals import TOTAL, PlotBins
from memload.analysis.read.window import Window
from memload.scenario.thresholds import Threshold

PlotSpec = tuple[str, str, Callable[[], Figure]]
TTFT_STYLES: dict[str, str] = {"p50": ":", "p95": "--", "p99": "-"}


def plot_ttft(
    axis: TimeAxis,
    scope: str,
    lines: dict[str, Series],
    *,
    warmup_s: float,
    thresholds: Sequence[Threshold] = (),
    bin_s: float = 10.0,
) -> Figure:
    """TTFT p50/p95/p99 over time with the scope's ``ttft_pNN_ms`` thresholds."""
    figure, (ax,) = new_figure()
    shade_warmup(ax, axis, warmup_s)
    for label, series in lines.items():
        ax.plot(
            axis.x(series.t_unix),
            series.values,
            label=f"TTFT {label}",
            **percentile_style(label, series.values.size),  # type: ignore[arg-type]
        )
    drawn = [t for t in thresholds if t.address in {f"{scope}.ttft_{label}_ms" for label in lines}]
    threshold_lines(ax, drawn, unit="ms")
    peaks = [float(np.nanmax(s.values)) for s in lines.values() if np.isfinite(s.values).any()]
    ax.set_ylim(0, max(peaks + [t.limit for t in drawn] + [1.0]) * 1.1)
    finish(
        ax,
        title=f"Time to first token of {scope} (memload's HDR histograms, per {bin_s:g} s)",
        xlabel=axis.label,
        ylabel="time to first token (ms)",
    )
    return figure


def plot_tokens_per_s(
    axis: TimeAxis,
    rates: dict[str, Series],
    *,
    warmup_s: float,
    thresholds: Sequence[Threshold] = (),
    bin_s: float = 10.0,
) -> Figure:
    """Output tokens per second over time per scope, with ``*.output_tokens_per_s`` thresholds."""
    figure, (ax,) = new_figure()
    shade_warmup(ax, axis, warmup_s)
    scopes = list(rates)
    for scope, series in rates.items():
        ax.plot(
            axis.x(series.t_unix),
            series.values,
            label=scope,
            color=scope_color(scope, scopes),
            linewidth=1.8 if scope == TOTAL else 1.2,
            **point_style(series.values.size),
        )
    threshold_lines(
        ax, [t for t in thresholds if t.address.endswith(".output_tokens_per_s")], unit="tokens/s"
    )
    ax.set_ylim(bottom=0)
    finish(
        ax,
        title=f"Output tokens per second (all streamed requests, per {bin_s:g} s)",
        xlabel=axis.label,
        ylabel="output tokens/s",
    )
    return figure


def ttft_lines(view: ExactView, bins: PlotBins, scope: str, window: Window) -> dict[str, Series]:
    """TTFT p50/p95/p99 per plot bin of one scope, each point inside the load its bin covers (none
    after the last request); empty when it has nothing to draw."""
    series = view.merged.series.get((scope, "ttft_ms")) or {}
    if not any(np.isfinite(values).any() for values in series.values()):
        return {}
    loaded, _, middles = loaded_bins(bins, window)
    return {
        label: Series(t_unix=middles, values=values[loaded], label=label) for label, values in series.items()
    }


def llm_plots(
    view: ExactView | None,
    counts: pd.DataFrame | None,
    axis: TimeAxis,
    window: Window,
    thresholds: list[Threshold],
) -> Iterator[PlotSpec]:
    """(file name, title, builder) of the LLM plots: TTFT over time per scope, output tokens/s."""
    if view is None or counts is None or view.merged.bins is None:
        return
    scopes = llm_scopes(view)
    bins = view.merged.bins
    warmup_s, bin_s = window.excluded_s, bins.width_s
    for scope in scopes:
        if scope == TOTAL and len(scopes) == 2:
            continue  # the one operation's plot says it all
        lines = ttft_lines(view, bins, scope, window)
        if lines:
            build = partial(
                plot_ttft, axis, scope, lines, warmup_s=warmup_s, thresholds=thresholds, bin_s=bin_s
            )
            yield (f"ttft_{scope}.png", f"Time to first token of {scope}", build)
    rates = tokens_per_s(counts, window, bins, [s for s in scopes if s != TOTAL or len(scopes) > 2])
    if any(np.nan_to_num(s.values).any() for s in rates.values()):
        build = partial(plot_tokens_per_s, axis, rates, warmup_s=warmup_s, thresholds=thresholds, bin_s=bin_s)
        yield ("output_tokens_per_s.png", "Output tokens per second", build)
