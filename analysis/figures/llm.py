"""LLM streaming figures and plots, from memload's per-interval files (the recorder fills them for
streamed chat requests; definitions in shared/design.md, quoted in every report by
``DEFINITIONS``).

Figures, for ``llm_chat``, ``rag_query`` (when it streamed) and ``total``, over the steady window's
intervals: ``ttft_ms``, ``itl_ms``, ``tpot_ms``, ``e2e_ms`` (means) and their ``_p50_ms`` ..
``_p999_ms`` (exact, from the merged histograms); ``output_tokens`` (mean per successful streamed
request); ``output_tokens_per_s`` (all output tokens / seconds of load); ``goodput_rps`` (requests
that met every LLM threshold of the scenario / seconds of load).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from memload import names as C
from memload.analysis.figures.exact import ExactView, latency_figures
from memload.analysis.plots.kit import (
    finish,
    new_figure,
    point_style,
    scope_color,
    shade_warmup,
    threshold_lines,
)
from memload.analysis.plots.series import Series, TimeAxis
from memload.analysis.read.intervals import TOTAL, PlotBins
from memload.analysis.read.window import Window
from memload.scenario.figures import LLM_LATENCIES, is_known_figure
from memload.scenario.thresholds import Threshold

DEFINITIONS: tuple[tuple[str, str], ...] = (
    (
        "ttft_ms",
        "request start (the scheduled start in an open-model run) to the first SSE chunk whose "
        "choices[0].delta.content is non-empty",
    ),
    ("e2e_ms", "request start to the end of the stream (data: [DONE] or connection end)"),
    ("itl_ms", "each gap between consecutive content chunks after the first (a distribution, pooled)"),
    ("tpot_ms", "(e2e − ttft) / (output_tokens − 1), per request"),
    (
        "output_tokens",
        "from the final usage chunk when the server sends it (stream_options.include_usage), "
        "otherwise the number of content chunks",
    ),
    ("output_tokens_per_s", "all output tokens of the window / seconds of load in it"),
    ("goodput_rps", "completed requests per second that met every LLM threshold of the scenario"),
)
LLM_TABLE_METRICS: tuple[str, ...] = ("ttft", "itl", "tpot", "e2e")
PlotSpec = tuple[str, str, Callable[[], Figure]]


def llm_scopes(view: ExactView) -> list[str]:
    """Scopes with streamed LLM requests in the window (``total`` last, when any)."""
    scopes = [
        s
        for s in view.scopes
        if view.counts.get(s, {}).get(C.IC_LLM_REQUESTS, 0) > 0 or view.histogram(s, "ttft_ms") is not None
    ]
    return scopes + [TOTAL] if scopes else []


def _scope_llm(view: ExactView, scope: str) -> dict[str, float]:
    figures: dict[str, float] = {}
    for name in LLM_LATENCIES:
        metric = f"{name}_ms"
        values = latency_figures(view.histogram(scope, metric), metric, prefix=f"{name}_")
        figures.update({k: v for k, v in values.items() if not k.endswith("max_ms")})
        if f"{name}_mean_ms" in figures:
            figures[metric] = figures.pop(f"{name}_mean_ms")
    counters = view.counts.get(scope, {})
    requests = counters.get(C.IC_LLM_REQUESTS, 0.0)
    tokens = counters.get(C.IC_OUTPUT_TOKENS, 0.0)
    if requests > 0:
        figures["output_tokens"] = tokens / requests
    for metric, amount in (("output_tokens_per_s", tokens), ("goodput_rps", counters.get(C.IC_GOODPUT, 0.0))):
        rate = view.per_s(amount)
        if rate is not None:
            figures[metric] = rate
    return figures


def llm_figures(view: ExactView | None) -> dict[str, float]:
    """LLM figures by address over the steady window; none without memload's files."""
    if view is None:
        return {}
    figures = {}
    for scope in llm_scopes(view):
        for metric, value in _scope_llm(view, scope).items():
            address = f"{scope}.{metric}"
            if is_known_figure(address) and math.isfinite(value):
                figures[address] = float(value)
    return figures


@dataclass(frozen=True, kw_only=True)
class TokenSource:
    llm_requests: int
    from_usage: int

    @property
    def text(self) -> str:
        if self.llm_requests == 0:
            return "no streamed chat requests"
        if self.from_usage == self.llm_requests:
            return f"usage chunk (all {self.llm_requests:,} requests)"
        if self.from_usage == 0:
            return f"content chunks counted (no usage chunk in any of {self.llm_requests:,} requests)"
        return (
            f"mixed: usage chunk for {self.from_usage:,} of {self.llm_requests:,} requests, "
            "content chunks counted for the rest"
        )


def token_source(view: ExactView) -> TokenSource:
    total = view.counts.get(TOTAL, {})
    return TokenSource(
        llm_requests=int(total.get(C.IC_LLM_REQUESTS, 0)),
        from_usage=int(total.get(C.IC_TOKENS_FROM_USAGE, 0)),
    )


# -- plots -------------------------------------------------------------------------------------
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
    styles = {"p50": ":", "p95": "--", "p99": "-"}
    for label, series in lines.items():
        ax.plot(
            axis.x(series.t_unix),
            series.values,
            label=f"TTFT {label}",
            linestyle=styles.get(label, "-"),
            color="#1f77b4",
            **point_style(series.values.size),
        )
    drawn = [t for t in thresholds if t.address in {f"{scope}.ttft_{label}_ms" for label in lines}]
    threshold_lines(ax, drawn)
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
    threshold_lines(ax, [t for t in thresholds if t.address.endswith(".output_tokens_per_s")])
    ax.set_ylim(bottom=0)
    finish(
        ax,
        title=f"Output tokens per second (all streamed requests, per {bin_s:g} s)",
        xlabel=axis.label,
        ylabel="output tokens/s",
    )
    return figure


def tokens_per_s_series(
    counts: pd.DataFrame, window: Window, bins: PlotBins, scopes: list[str]
) -> dict[str, Series]:
    """Output tokens per second of load in each plot bin, per scope (``total``: all of them)."""
    starts = counts[C.IC_INTERVAL].to_numpy(dtype=float)
    index = bins.index(starts)
    inside = (index >= 0) & (index < bins.count)
    edges_low = bins.first_s + np.arange(bins.count) * bins.width_s
    seconds = np.clip(
        np.minimum(edges_low + bins.width_s, window.load_end_s) - np.maximum(edges_low, window.load_start_s),
        0.0,
        None,
    )
    result = {}
    scope_column = counts[C.IC_SCOPE].astype(str).to_numpy()
    tokens_column = counts[C.IC_OUTPUT_TOKENS].to_numpy(dtype=float)
    for scope in scopes:
        mask = inside if scope == TOTAL else inside & (scope_column == scope)
        tokens = np.bincount(index[mask], weights=tokens_column[mask], minlength=bins.count)
        with np.errstate(invalid="ignore", divide="ignore"):
            values = np.where(seconds > 0, tokens / np.maximum(seconds, 1e-9), np.nan)
        result[scope] = Series(t_unix=bins.centres, values=values, label=scope)
    return result


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
    if not scopes:
        return
    bins = view.merged.bins
    for scope in scopes:
        series = view.merged.series.get((scope, "ttft_ms"))
        if scope == TOTAL and len(scopes) == 2:
            continue  # the one operation's plot says it all
        if series and any(np.isfinite(v).any() for v in series.values()):
            lines = {
                label: Series(t_unix=bins.centres, values=values, label=label)
                for label, values in series.items()
            }
            yield (
                f"ttft_{scope}.png",
                f"Time to first token of {scope}",
                lambda scope=scope, lines=lines: plot_ttft(
                    axis, scope, lines, warmup_s=window.warmup_s, thresholds=thresholds, bin_s=bins.width_s
                ),
            )
    rates = tokens_per_s_series(counts, window, bins, [s for s in scopes if s != TOTAL or len(scopes) > 2])
    if any(np.nan_to_num(s.values).any() for s in rates.values()):
        yield (
            "output_tokens_per_s.png",
            "Output tokens per second",
            lambda: plot_tokens_per_s(
                axis, rates, warmup_s=window.warmup_s, thresholds=thresholds, bin_s=bins.width_s
            ),
        )
