"""The comparison's plots: latency percentile curves overlaid (every run's merged HDR histogram of
the steady window, 50 % to 99.9 %; total and each operation), throughput over time overlaid
(requests/s per 10 s interval against seconds since each run's start), and p95 by operation:
each run's p95 as bars, and each candidate's change with its 95 % interval."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from memload.analysis.compare.curves import COLORS, plot_percentile_curves, run_distribution
from memload.analysis.compare.report import Comparison, label_of
from memload.analysis.compare.samples import RPS, RunSamples
from memload.analysis.compare.stats import IMPROVED, REGRESSED
from memload.analysis.plots.kit import finish, new_figure, png_bytes, point_style
from memload.analysis.plots.plotset import Plot
from memload.analysis.plots.requests import nines
from memload.analysis.read.intervals import TOTAL

TOP_PERCENT = 99.9
VERDICT_COLORS = {IMPROVED: "#2ca02c", REGRESSED: "#d62728"}
UNCHANGED_COLOR = "#9e9e9e"


def _runs(comparison: Comparison) -> list[RunSamples]:
    return [comparison.baseline, *(c.samples for c in comparison.candidates)]


def _labels(comparison: Comparison) -> list[str]:
    runs = _runs(comparison)
    return [f"baseline: {label_of(runs[0])}", *(label_of(r) for r in runs[1:])]


def latency_curves(comparison: Comparison, scope: str) -> Figure | None:
    curves = {}
    for label, run in zip(_labels(comparison), _runs(comparison)):
        window = (run.window.start_unix, run.window.end_unix)
        curve = run_distribution(run.run_dir, scope=scope, window_unix=window)
        if curve:
            curves[label] = {p: v for p, v in curve.items() if p <= TOP_PERCENT}
    if len(curves) < 2:
        return None
    figure = plot_percentile_curves(curves, title=f"{scope}: response time by percentile (steady window)")
    figure.axes[0].set_xlim(right=nines(TOP_PERCENT) + 0.1)  # the curves end at p99.9
    return figure


def throughput_over_time(comparison: Comparison) -> Figure:
    figure, (ax,) = new_figure()
    for index, (label, run) in enumerate(zip(_labels(comparison), _runs(comparison))):
        total = run.scopes.get(TOTAL)
        if total is None or not total.samples[RPS].size:
            continue
        times = np.asarray(total.times.get(RPS, []), dtype=float) - run.window.run_start_unix
        values = total.samples[RPS]
        ax.plot(times, values, label=label, color=COLORS[index % len(COLORS)], **point_style(values.size))
    ax.set_ylim(bottom=0)
    finish(
        ax,
        title="total throughput per 10 s interval",
        xlabel="seconds since the run's start",
        ylabel="requests/s",
    )
    return figure


def p95_by_operation(comparison: Comparison) -> Figure:
    """Top: each run's whole-window p95 per operation; bottom: each candidate's change in % with
    its 95 % interval, coloured by verdict."""
    runs, labels = _runs(comparison), _labels(comparison)
    scopes = [
        s
        for s in comparison.baseline.scopes
        if s != TOTAL and "p95_ms" in comparison.baseline.scopes[s].whole
    ]
    scopes = sorted(s for s in scopes if s != "target") + [TOTAL]
    figure, (top, bottom) = new_figure(rows=2, height_in=8.0)
    width = 0.8 / len(runs)
    x = np.arange(len(scopes))
    for index, (label, run) in enumerate(zip(labels, runs)):
        values = [run.scopes[s].whole.get("p95_ms", np.nan) if s in run.scopes else np.nan for s in scopes]
        top.bar(x + index * width, values, width, label=label, color=COLORS[index % len(COLORS)])
    finish(top, title="p95 by operation (steady window)", xlabel=None, ylabel="p95 (ms)")
    width = 0.8 / max(1, len(comparison.candidates))
    for index, candidate in enumerate(comparison.candidates):
        rows = {row.address: row.change for row in candidate.table.rows}
        changes = [rows.get(f"{s}.p95_ms") for s in scopes]
        heights = [c.change_pct if c and c.change_pct is not None else np.nan for c in changes]
        errors = np.array(
            [
                [h - c.ci_low_pct, c.ci_high_pct - h]
                if c and c.ci_low_pct is not None and c.ci_high_pct is not None and np.isfinite(h)
                else [np.nan, np.nan]
                for c, h in zip(changes, heights)
            ]
        ).T.clip(min=0)
        colors = [VERDICT_COLORS.get(c.verdict, UNCHANGED_COLOR) if c else UNCHANGED_COLOR for c in changes]
        bottom.bar(
            x + index * width,
            heights,
            width,
            yerr=errors,
            capsize=4,
            color=colors,
            edgecolor=COLORS[(index + 1) % len(COLORS)],
            label=f"{label_of(candidate.samples)} (green improved, red regressed, grey ~)",
        )
    bottom.axhline(0.0, color="black", linewidth=0.8)
    bottom.set_xticks(x + 0.4 - width / 2, scopes, rotation=20)
    top.set_xticks(x + 0.4 - 0.4 / len(runs), scopes)
    finish(
        bottom,
        title="p95 change against the baseline, with its 95 % interval",
        xlabel=None,
        ylabel="change (%)",
    )
    return figure


def _plot(file_name: str, title: str, figure: Figure) -> Plot:
    data = png_bytes(figure)
    figure.clear()
    return Plot(file_name=file_name, title=title, png=data)


def comparison_plots(comparison: Comparison) -> Sequence[Plot]:
    plots = [
        _plot(
            "p95_by_operation.png",
            "p95 by operation, and its change with a 95 % interval",
            p95_by_operation(comparison),
        ),
        _plot("throughput.png", "total throughput over time", throughput_over_time(comparison)),
    ]
    scopes = [TOTAL, *sorted(s for s in comparison.baseline.scopes if s not in (TOTAL, "target"))]
    for scope in scopes:
        figure = latency_curves(comparison, scope)
        if figure is not None:
            plots.append(
                _plot(f"latency_{scope}.png", f"{scope}: latency percentile curves to p99.9", figure)
            )
    return plots
