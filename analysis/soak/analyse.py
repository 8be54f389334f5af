"""The soak analysis of a run: windows, resource trends and leak verdicts, the RSS projection,
latency drift and error bursts, and the ``soak.*`` and slope figures they give.

Which runs get it: every run whose steady window (after the warm-up, to the end of the load) lasts
at least 10 minutes, unless its load changes on purpose (a ``steps``, ``ramp`` or ``spike`` shape:
its resources and latencies would follow the load, not time). ``memload soak RUN_DIR`` writes the
same report and says why when a run gets no soak section.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from memload import names as C
from memload.analysis.read.hdr import Counts
from memload.analysis.read.rundir import RunData
from memload.analysis.read.window import Window
from memload.analysis.soak.bursts import Burst, FailureSeries, failure_series, find_bursts
from memload.analysis.soak.drift import Drift, latency_drift
from memload.analysis.soak.resources import (
    SLOPE_METRICS,
    Projection,
    ResourceTrend,
    project_rss,
    resource_trends,
    rss_limit_mb,
    steady_processes,
)
from memload.analysis.soak.windows import SoakWindow, response_rows, soak_windows, window_edges
from memload.scenario.thresholds import Threshold

MIN_STEADY_S = 600.0
MIN_ASKED_S = 120.0
VARYING_SHAPES = ("steps", "ramp", "spike")


@dataclass(frozen=True, kw_only=True)
class SoakAnalysis:
    windows: list[SoakWindow]
    trends: list[ResourceTrend]  # target RSS, fds, threads, then each harness process's RSS
    projection: Projection | None  # of the target's RSS to rss_limit_mb
    drift: Drift | None
    bursts: list[Burst]
    failures: FailureSeries | None  # per interval, for the error timeline
    rss_limit_mb: float
    notes: list[str] = field(default_factory=list)  # what the analysis could not do, and why
    figures: dict[str, float] = field(default_factory=dict)

    def trend_of(self, role: str, column: str) -> ResourceTrend | None:
        return next((t for t in self.trends if t.role == role and t.column == column), None)

    @property
    def leaks(self) -> list[ResourceTrend]:
        return [t for t in self.trends if t.leaking]

    @property
    def harness(self) -> list[ResourceTrend]:
        return [t for t in self.trends if t.role != C.ROLE_TARGET]


def load_shape(meta: Mapping[str, Any]) -> str | None:
    scenario = meta.get(C.RUN_SCENARIO)
    load = scenario.get("load") if isinstance(scenario, Mapping) else None
    shape = load.get("shape") if isinstance(load, Mapping) else None
    return shape if isinstance(shape, str) else None


def asks_for_soak(meta: Mapping[str, Any]) -> bool:
    """A scenario named soak… or with a threshold on a soak figure asks for the analysis at any length
    from MIN_ASKED_S (a compressed soak of a few minutes)."""
    name = str(meta.get(C.RUN_SCENARIO_NAME) or "")
    thresholds = meta.get(C.RUN_THRESHOLDS) or {}
    return name.startswith("soak") or any(str(key).startswith("soak.") for key in thresholds)


def not_soak_reason(meta: Mapping[str, Any], steady_s: float) -> str | None:
    """Why a run gets no soak section (``steady_s``: the steady window's length); None when it does."""
    if asks_for_soak(meta) and steady_s < MIN_ASKED_S:
        return (
            f"the steady window lasts {steady_s:.0f} s, under the {MIN_ASKED_S:.0f} s a soak analysis needs"
        )
    if not asks_for_soak(meta) and steady_s < MIN_STEADY_S:
        return (
            f"the steady window lasts {steady_s / 60:.1f} min, under the "
            f"{MIN_STEADY_S / 60:.0f} min a soak analysis needs"
        )
    shape = load_shape(meta)
    if shape in VARYING_SHAPES:
        return f"the load shape is {shape!r}: resources and latency follow the load, not time"
    return None


def soak_edges(meta: Mapping[str, Any], window: Window) -> np.ndarray | None:
    """The soak windows' edges when the run gets a soak analysis, so the report's one pass over the
    histograms merges each window's too; else None."""
    return window_edges(window) if not_soak_reason(meta, window.duration_s) is None else None


def _figures(result: SoakAnalysis) -> dict[str, float]:
    figures: dict[str, float] = {}
    for column, metric in SLOPE_METRICS.items():
        found = result.trend_of(C.ROLE_TARGET, column)
        if found is not None and found.trend is not None:
            figures[f"target.{metric}"] = figures[f"soak.target_{metric}"] = found.trend.slope
    for column, metric in SLOPE_METRICS.items():  # the steepest harness process, per resource
        harness = [t.trend.slope for t in result.harness if t.column == column and t.trend is not None]
        if harness:
            figures[f"loadgen.{metric}"] = max(harness)
    if "loadgen.rss_slope_mb_per_h" in figures:
        figures["soak.loadgen_rss_slope_mb_per_h"] = figures["loadgen.rss_slope_mb_per_h"]
    if result.projection is not None and result.projection.hours is not None:
        figures["soak.hours_to_rss_limit"] = result.projection.hours
    if result.drift is not None:
        figures["soak.p95_drift_pct"] = result.drift.pct
    if result.failures is not None:
        figures["soak.error_bursts"] = float(len(result.bursts))
    if any(t.trend is not None for t in result.trends):
        figures["soak.leaks"] = float(len(result.leaks))
    return figures


def soak_analysis(
    data: RunData,
    window: Window,
    thresholds: Sequence[Threshold] = (),
    window_histograms: list[Counts] | None = None,
) -> SoakAnalysis | None:
    """The soak analysis of a run that qualifies (``not_soak_reason``), else None;
    ``window_histograms``: each soak window's response_ms histogram, when the caller merged them
    (``soak_edges``)."""
    if not_soak_reason(data.meta, window.duration_s) is not None:
        return None
    notes = []
    processes = steady_processes(data.resources, window)
    trends = resource_trends(processes, window, thresholds)
    if not trends:
        notes.append(f"no {C.RESOURCES_CSV} samples in the steady window: no resource trends")
    limit = rss_limit_mb(thresholds)
    rss = next((t for t in trends if t.role == C.ROLE_TARGET and t.column == C.RES_RSS_MB), None)
    rows = response_rows(data.intervals) if data.intervals is not None else None
    windows = soak_windows(data.intervals, processes.target, window, rows, window_histograms)
    drift = latency_drift(windows, rows, window.run_start_unix) if rows is not None else None
    series = failure_series(data.intervals.counts, window) if data.intervals is not None else None
    if data.intervals is None:
        notes.append(
            f"no {C.HDR_CSV} / {C.COUNTS_CSV}: no per-window request figures, latency drift or error bursts"
        )
    result = SoakAnalysis(
        windows=windows,
        trends=trends,
        projection=project_rss(rss, window, limit) if rss is not None else None,
        drift=drift,
        bursts=find_bursts(series, data.failures) if series is not None else [],
        failures=series,
        rss_limit_mb=limit,
        notes=notes,
    )
    result.figures.update(_figures(result))
    return result
