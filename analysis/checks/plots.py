"""The checks over time: self-retrieval hit@k and the read-your-writes lag's p95 per 10 s interval
(``checks.png``), each with its threshold when the scenario has one."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np
from matplotlib.figure import Figure

from memload.analysis.checks.figures import CheckAnalysis
from memload.analysis.plots.kit import finish, new_figure, point_style, threshold_lines
from memload.analysis.plots.series import TimeAxis
from memload.loadgen.histograms import INTERVAL_S
from memload.scenario.thresholds import Threshold

CHECKS_FILE = "checks.png"
PANELS = (
    ("hit_at_k", "checks.search.hit_at_k", "Self-retrieval hit@k", "", 1.0),
    ("rw_lag_p95_ms", "checks.rw_lag_p95_ms", "Read-your-writes lag p95", "ms", 1.0),
)


def plot_checks(checks: CheckAnalysis, axis: TimeAxis, thresholds: Sequence[Threshold]) -> Figure:
    drawn = [panel for panel in PANELS if checks.series.get(panel[0])]
    figure, axes = new_figure(rows=len(drawn), height_in=2.6 * len(drawn) + 0.6)
    for ax, (key, address, title, unit, scale) in zip(axes, drawn):
        points = checks.series[key]
        x = axis.x(np.array([start + INTERVAL_S / 2 for start, _ in points], dtype=float))
        y = np.array([value for _, value in points], dtype=float)
        ax.plot(x, y, label=title, **point_style(len(points)))
        threshold_lines(ax, [t for t in thresholds if t.address == address], scale=scale, unit=unit)
        finish(ax, title=f"{title} per {INTERVAL_S} s interval", xlabel=None, ylabel=unit or key)
    axes[-1].set_xlabel(axis.label)
    return figure


def check_plot_specs(
    checks: CheckAnalysis | None, axis: TimeAxis, thresholds: Sequence[Threshold]
) -> Iterator[tuple[str, str, Callable[[], Figure]]]:
    if checks is not None and any(checks.series.get(panel[0]) for panel in PANELS):
        yield (
            CHECKS_FILE,
            "Checks: hit@k and read-your-writes lag",
            lambda: plot_checks(checks, axis, thresholds),
        )
