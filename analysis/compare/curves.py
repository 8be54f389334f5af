"""Two or more runs side by side: response time against percentile, one labelled line per run.

The plotting function takes plain data (label -> {percent: ms}), so a benchmark or a notebook can
draw any distributions; ``run_distribution`` reads one from a results directory (memload's
merged HDR histograms over the whole run, or over a window given in unix seconds).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from matplotlib.figure import Figure

from memload import names as C
from memload.analysis.figures.exact import distribution_ms, exact_view
from memload.analysis.figures.runtable import whole_run_window
from memload.analysis.plots.kit import finish, new_figure
from memload.analysis.plots.requests import nines
from memload.analysis.read.intervals import TOTAL, load_interval_files

COLORS = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e")
MARKED_PERCENTS = (50.0, 99.0)
TICKS: tuple[tuple[float, str], ...] = (
    (50.0, "50%"),
    (90.0, "90%"),
    (99.0, "99%"),
    (99.9, "99.9%"),
    (99.99, "99.99%"),
    (100.0, "max"),
)


def plot_percentile_curves(
    curves: Mapping[str, Mapping[float, float]],
    *,
    title: str,
    reference_lines: Mapping[str, float] | None = None,
    log_y: bool = False,
) -> Figure:
    """Response time (ms) against percentile on a 'nines' axis, one line per label; each line's
    p50 and p99 are marked and written beside it; ``reference_lines`` are dashed horizontals."""
    figure, (ax,) = new_figure()
    for index, (label, values) in enumerate(curves.items()):
        color = COLORS[index % len(COLORS)]
        percents = sorted(values)
        ax.plot(
            [nines(p) for p in percents],
            [values[p] for p in percents],
            label=label,
            color=color,
            linewidth=1.6,
        )
        for percent in MARKED_PERCENTS:
            if percent in values:
                # the highest curve at this percentile is labelled above its mark, the others below
                above = values[percent] >= max(c.get(percent, float("-inf")) for c in curves.values())
                ax.plot(
                    [nines(percent)],
                    [values[percent]],
                    marker="o",
                    color=color,
                    linestyle="none",
                    gid=f"mark:{label}:{percent:g}",
                )
                ax.annotate(
                    f"p{percent:g} {values[percent]:.4g} ms",
                    (nines(percent), values[percent]),
                    textcoords="offset points",
                    xytext=(6, 6 if above else -14),
                    fontsize="small",
                    color=color,
                )
    for label, value in (reference_lines or {}).items():
        ax.axhline(value, color="grey", linestyle="--", linewidth=1.0, label=label, gid=f"reference:{label}")
    ax.set_xticks([nines(p) for p, _ in TICKS], [text for _, text in TICKS])
    if log_y:
        ax.set_yscale("log")
        ylabel = "response time (ms, log scale)"
    else:
        ax.set_ylim(bottom=0)
        ylabel = "response time (ms)"
    finish(ax, title=title, xlabel="percentile of requests", ylabel=ylabel, legend=False)
    figure.subplots_adjust(right=0.97)  # the legend sits inside, bottom right, under the tails
    ax.legend(loc="lower right", fontsize="small")
    return figure


def run_distribution(
    run_dir: Path,
    *,
    scope: str = TOTAL,
    metric: str = C.METRIC_RESPONSE,
    window_unix: tuple[float, float] | None = None,
) -> dict[float, float]:
    """{percent: ms} of one scope of a run, from its merged histograms: the whole run, or the
    intervals whose midpoints lie in ``window_unix``. Empty without memload's files."""
    files = load_interval_files(Path(run_dir), [])
    if files is None:
        return {}
    starts = files.counts[C.IC_INTERVAL].to_numpy(dtype=float)
    window = whole_run_window(Path(run_dir), starts)
    if window_unix is not None:
        window = replace(window, start_unix=window_unix[0], end_unix=window_unix[1])
    view = exact_view(files, window, with_series=False)
    counts = view.histogram(scope, metric)
    return {} if counts is None else distribution_ms(counts, metric)
