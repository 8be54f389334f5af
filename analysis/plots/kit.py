"""Shared pieces of every plot: an Agg figure (no pyplot, so nothing global to close), the warm-up
band, threshold lines and saving. Plot functions return the Figure so tests can inspect its Axes."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from memload.analysis.plots.series import TimeAxis
from memload.scenario.thresholds import Threshold

FIGSIZE_IN = (11.0, 4.5)
PLOT_RIGHT = 0.72  # the legend sits to the right of the Axes, never over the data
DPI = 100
THRESHOLD_COLOR = "#d62728"
WARMUP_LABEL = "not in the figures"
THRESHOLD_GID_PREFIX = "threshold:"


def new_figure(rows: int = 1, height_in: float | None = None) -> tuple[Figure, list[Axes]]:
    """A figure on the Agg canvas with ``rows`` stacked Axes sharing x."""
    height = height_in or FIGSIZE_IN[1]
    figure = Figure(figsize=(FIGSIZE_IN[0], height), dpi=DPI)  # fixed margins: constrained layout
    FigureCanvasAgg(figure)  # doubles the drawing time
    figure.subplots_adjust(
        left=0.07, right=PLOT_RIGHT, top=1 - 0.55 / height, bottom=0.5 / height, hspace=0.35
    )
    axes = figure.subplots(rows, 1, sharex=True, squeeze=False)[:, 0]
    return figure, list(axes)


FEW_POINTS = 4  # below this a series is drawn as points: a line through 2 or 3 suggests a trend


def point_style(points: int, most: int = 60) -> dict[str, Any]:
    """Markers on lines of few points (per-interval series of a short run), none on long ones;
    points without a line for fewer than ``FEW_POINTS``."""
    if points < FEW_POINTS:
        return {"marker": "o", "markersize": 5, "linestyle": "none"}
    return {"marker": "o", "markersize": 3} if points <= most else {}


def scope_color(scope: str, scopes: Sequence[str]) -> str:
    """A stable colour per scope (``total`` is black)."""
    if scope == "total":
        return "black"
    palette = [
        "#1f77b4",
        "#ff7f0e",
        "#2ca02c",
        "#9467bd",
        "#8c564b",
        "#e377c2",
        "#17becf",
        "#bcbd22",
        "#7f7f7f",
    ]
    ordered = [s for s in scopes if s != "total"]
    return palette[ordered.index(scope) % len(palette)] if scope in ordered else palette[-1]


def shade_warmup(ax: Axes, axis: TimeAxis, excluded_s: float) -> None:
    """The grey band of what the figures leave out: from the run's start to the steady start (the
    time before the first user, then the warm-up: ``Window.excluded_s``)."""
    if excluded_s > 0:
        ax.axvspan(0.0, excluded_s / axis.seconds_per_unit, color="grey", alpha=0.15, label=WARMUP_LABEL)


BOUNDARY_GID = "boundary"
STALL_LABEL = "stall (throughput near zero)"


def load_boundaries(meta: Mapping[str, Any], load_start_unix: float) -> list[float]:
    """When a stepped or spiked run changes its load (unix s): each step's start after the first,
    the spike's start and end; [] for a constant or ramped load."""
    scenario = _table(meta, "scenario")
    load, arrival = _table(scenario, "load"), _table(scenario, "arrival")
    for table in (arrival, load):
        steps, step_s = table.get("steps") or (), float(table.get("step_duration_s") or 0.0)
        if len(steps) > 1 and step_s > 0:  # where the step's load differs from the one before
            return [load_start_unix + i * step_s for i in range(1, len(steps)) if steps[i] != steps[i - 1]]
    if load.get("shape") == "spike" and float(load.get("spike_duration_s") or 0.0) > 0:
        at = load_start_unix + float(load.get("spike_at_s") or 0.0)
        return [at, at + float(load["spike_duration_s"])]
    return []


def _table(parent: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = parent.get(key)
    return value if isinstance(value, Mapping) else {}


def mark_boundaries(
    ax: Axes, axis: TimeAxis, boundaries: Sequence[float], label: str = "load changes"
) -> None:
    """A dotted vertical line where the load changes (one legend entry for all)."""
    for index, at in enumerate(boundaries):
        ax.axvline(
            float(axis.x(at)),
            color="#555555",
            linestyle=":",
            linewidth=1.0,
            label=label if index == 0 else "_nolegend_",
            gid=BOUNDARY_GID,
        )


def mark_stalls(ax: Axes, axis: TimeAxis, stalls: Sequence[tuple[float, float]]) -> None:
    """A red band over each stall (unix start, end)."""
    for index, (start, end) in enumerate(stalls):
        ax.axvspan(
            float(axis.x(start)),
            float(axis.x(end)),
            color=THRESHOLD_COLOR,
            alpha=0.15,
            label=STALL_LABEL if index == 0 else "_nolegend_",
        )


def threshold_label(threshold: Threshold, scale: float = 1.0, unit: str = "") -> str:
    """``threshold: total.error_rate < 1 %``: the limit in the plot's unit."""
    limit = threshold.limit * scale
    return f"threshold: {threshold.address} {threshold.op} {limit:g}{' ' + unit if unit else ''}"


def threshold_lines(
    ax: Axes,
    thresholds: Sequence[Threshold],
    scale: float = 1.0,
    color: str = THRESHOLD_COLOR,
    unit: str = "",
) -> None:
    """A dashed horizontal line per threshold at ``limit * scale``, labelled with its condition in
    the plot's unit (``scale`` and ``unit``: 0.01 of a share is "1 %")."""
    for threshold in thresholds:
        ax.axhline(
            threshold.limit * scale,
            color=color,
            linestyle="--",
            linewidth=1.2,
            label=threshold_label(threshold, scale, unit),
            gid=f"{THRESHOLD_GID_PREFIX}{threshold.address}",
        )


def floor_below_zero(ax: Axes, top: float | None = None) -> None:
    """A y axis from a little below 0, so that a line at 0 (a threshold, an error rate of 0) shows."""
    high = ax.get_ylim()[1] if top is None else top
    ax.set_ylim(-0.03 * (high or 1.0), high or 1.0)


def outside_legend(
    ax: Axes, handles: list[Artist] | None = None, labels: list[str] | None = None, x_offset: float = 1.01
) -> None:
    """The legend to the right of the Axes (``x_offset`` > 1.01 clears a second y axis)."""
    if handles is None or labels is None:
        handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(
            handles,
            labels,
            loc="upper left",
            bbox_to_anchor=(x_offset, 1.0),
            fontsize="small",
            borderaxespad=0.0,
        )


def finish(ax: Axes, *, title: str, xlabel: str | None, ylabel: str, legend: bool = True) -> None:
    ax.set_title(title)
    if xlabel:
        ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3)
    if legend:
        outside_legend(ax)


def png_bytes(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def save_png(figure: Figure, path: Path) -> bytes:
    """Write the figure as PNG and return the bytes (for embedding); the figure is released."""
    data = png_bytes(figure)
    path.write_bytes(data)
    figure.clear()
    return data
