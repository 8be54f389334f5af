"""Resource trends of a soak run (resources.csv, after the warm-up) and the leak verdicts.

The target's processes (role ``target``) are summed per monitor sample, as the process figures do;
each harness process (a role starting with ``locust``: ``locust``, ``locust-master``,
``locust-worker-N``) is its own series. Samples come every second (86,400 per process in 24 h), so
each series is first reduced to medians over bins of one minute, or of whole minutes wide enough
that the steady window holds at most ``MAX_BINS`` of them (2 minutes for 24 h): the trend tests are
O(n²). A slope per hour (Theil–Sen) with its 95 % CI and a Mann–Kendall p then come from those
medians (``trend.py``).

A resource is **leaking** when all four hold: the trend is significant (Mann–Kendall p < 0.01),
the slope's lower 95 % bound is above 0, the slope is above its limit (1 MB/h for RSS, 1 per hour for
file descriptors and threads, or the scenario's own threshold on the slope when it sets one:
``target.rss_slope_mb_per_h < 5`` makes 5 MB/h the limit; ``loadgen.rss_slope_mb_per_h`` for the
harness), and the rise over the steady window is more than noise (``MIN_RISE``: 2 MB, 5 fds, 2
threads). The last keeps a few minutes' allocator fill-in (a Locust process's RSS settles ~0.5 MB
up over its first minutes) from reading as a leak in a compressed soak, where 0.5 MB in 3 minutes
is a slope of 10 MB/h; over a day, 1 MB/h rises 24 MB.
The target's RSS is projected to its limit (the scenario's ``target.rss_mb`` threshold, else
512 MB): hours from the end of the run at the slope, from the fitted line's value there; none when
the RSS is not rising (the slope's lower bound is not above 0).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from memload import names as C
from memload.analysis.figures.process import per_sample_sums
from memload.analysis.read.window import Window
from memload.analysis.soak.trend import Trend, fit_trend
from memload.scenario.thresholds import Threshold

BIN_S = 60.0
# below this a rise is noise, whatever its slope
MIN_RISE = {C.RES_RSS_MB: 2.0, C.RES_NUM_FDS: 5.0, C.RES_THREADS: 2.0}
MAX_BINS = 720
LEAK_P = 0.01
RSS_LIMIT_MB = 512.0
DEFAULT_SLOPE_LIMITS: dict[str, float] = {C.RES_RSS_MB: 1.0, C.RES_NUM_FDS: 1.0, C.RES_THREADS: 1.0}
METRIC_WORDS: dict[str, tuple[str, str]] = {  # column -> (name in sentences, unit)
    C.RES_RSS_MB: ("RSS", "MB"),
    C.RES_NUM_FDS: ("fds", ""),
    C.RES_THREADS: ("threads", ""),
}
SLOPE_METRICS: dict[str, str] = {
    C.RES_RSS_MB: "rss_slope_mb_per_h",
    C.RES_NUM_FDS: "num_fds_slope_per_h",
    C.RES_THREADS: "threads_slope_per_h",
}


@dataclass(frozen=True, kw_only=True)
class ResourceTrend:
    role: str  # "target" or a harness process's role
    column: str  # rss_mb, num_fds, threads
    limit_per_h: float  # the leak limit on the slope
    hours: np.ndarray  # bin centres, hours since the run's start
    values: np.ndarray  # median per bin
    trend: Trend | None

    @property
    def name(self) -> str:
        return f"{self.role} {METRIC_WORDS[self.column][0]}"

    @property
    def unit(self) -> str:
        return METRIC_WORDS[self.column][1]

    @property
    def rise(self) -> float:
        """What the fitted slope adds over the binned span."""
        if self.trend is None or self.hours.size < 2:
            return 0.0
        return float(self.trend.slope * (self.hours[-1] - self.hours[0]))

    @property
    def leaking(self) -> bool:
        t = self.trend
        significant = t is not None and t.p_value < LEAK_P and t.low > 0 and t.slope > self.limit_per_h
        return significant and self.rise > MIN_RISE.get(self.column, 0.0)


@dataclass(frozen=True, kw_only=True)
class Projection:
    limit_mb: float
    level_mb: float  # the fitted RSS at the end of the run
    hours: float | None  # from the end of the run; None when not rising


MIN_BIN_S = 2.0  # resources.csv has a row a second per process
SHORT_RUN_BINS = 180  # a run shorter than three hours gets this many bins, at least MIN_BIN_S wide


def bin_width_s(duration_s: float) -> float:
    """1-minute bins (at most MAX_BINS of them), and finer for a run too short for enough of them:
    a 3-minute compressed soak gets 2 s bins, so the trend tests have ~90 points."""
    if duration_s < SHORT_RUN_BINS * BIN_S:
        return max(MIN_BIN_S, float(math.ceil(duration_s / SHORT_RUN_BINS)))
    return max(BIN_S, BIN_S * math.ceil(duration_s / MAX_BINS / BIN_S))


def binned_medians(
    times: np.ndarray, values: np.ndarray, start_s: float, width_s: float
) -> tuple[np.ndarray, np.ndarray]:
    """Median of ``values`` per bin of ``width_s`` from ``start_s``, at the bins' centres; bins with
    fewer than half the usual number of samples (the last one, cut short) are left out."""
    keep = np.isfinite(times) & np.isfinite(values)
    if not keep.any():
        return np.array([]), np.array([])
    index = np.floor((times[keep] - start_s) / width_s).astype(np.int64)
    bins = pd.Series(values[keep]).groupby(index).agg(["median", "size"])
    bins = bins[bins["size"] >= 0.5 * bins["size"].median()]  # a bin cut short by the window's end
    centres = start_s + (bins.index.to_numpy(dtype=float) + 0.5) * width_s
    return centres, bins["median"].to_numpy(dtype=float)


def upper_limit(thresholds: Sequence[Threshold], address: str, default: float) -> float:
    """The scenario's upper limit on a figure (a ``<`` or ``<=`` threshold), else ``default``."""
    limits = [t.limit for t in thresholds if t.address == address and t.op in ("<", "<=")]
    return min(limits) if limits else default


def rss_limit_mb(thresholds: Sequence[Threshold]) -> float:
    return upper_limit(thresholds, "target.rss_mb", RSS_LIMIT_MB)


def _series_trends(
    sums: pd.DataFrame, role: str, columns: Sequence[str], window: Window, limits: dict[str, float]
) -> list[ResourceTrend]:
    width = bin_width_s(window.duration_s)
    times = sums[C.RES_TIMESTAMP].to_numpy(dtype=float)
    found = []
    for column in columns:
        centres, medians = binned_medians(times, sums[column].to_numpy(dtype=float), window.start_unix, width)
        hours = (centres - window.run_start_unix) / 3600.0
        found.append(
            ResourceTrend(
                role=role,
                column=column,
                limit_per_h=limits[column],
                hours=hours,
                values=medians,
                trend=fit_trend(hours, medians),
            )
        )
    return found


@dataclass(frozen=True, kw_only=True)
class SteadyProcesses:
    """resources.csv over the steady window, per monitor sample: the target's processes summed, and
    each harness role on its own."""

    target: pd.DataFrame | None
    harness: dict[str, pd.DataFrame]


def steady_processes(resources: pd.DataFrame | None, window: Window) -> SteadyProcesses:
    if resources is None:
        return SteadyProcesses(target=None, harness={})
    times = resources[C.RES_TIMESTAMP]
    steady = resources[(times >= window.start_unix) & (times <= window.end_unix)]
    target, harness = None, {}
    for role, rows in steady.groupby(C.RES_ROLE, observed=True, sort=True):
        name = str(role)
        if name == C.ROLE_TARGET:
            target = per_sample_sums(rows)
        elif name.startswith(C.ROLE_LOADGEN_PREFIX):
            harness[name] = per_sample_sums(rows)
    return SteadyProcesses(target=target, harness=harness)


def resource_trends(
    processes: SteadyProcesses, window: Window, thresholds: Sequence[Threshold] = ()
) -> list[ResourceTrend]:
    """Target RSS, fds and threads, then each harness process's RSS, fds and threads, over the
    steady window; the limits from the scenario's ``target.…_slope…`` and ``loadgen.…_slope…``
    thresholds, else the defaults."""
    found: list[ResourceTrend] = []
    if processes.target is not None:
        limits = _slope_limits(thresholds, "target")
        found += _series_trends(processes.target, C.ROLE_TARGET, list(limits), window, limits)
    harness_limits = _slope_limits(thresholds, "loadgen")
    for role, sums in processes.harness.items():
        found += _series_trends(sums, role, list(harness_limits), window, harness_limits)
    return found


def _slope_limits(thresholds: Sequence[Threshold], scope: str) -> dict[str, float]:
    return {
        column: upper_limit(thresholds, f"{scope}.{SLOPE_METRICS[column]}", default)
        for column, default in DEFAULT_SLOPE_LIMITS.items()
    }


def project_rss(rss: ResourceTrend, window: Window, limit_mb: float) -> Projection | None:
    """When the target's RSS would reach ``limit_mb`` at its slope, from the end of the run."""
    if rss.trend is None:
        return None
    end_h = (window.end_unix - window.run_start_unix) / 3600.0
    level = float(rss.trend.at(end_h))
    if not rss.trend.rising:
        return Projection(limit_mb=limit_mb, level_mb=level, hours=None)
    return Projection(limit_mb=limit_mb, level_mb=level, hours=max(0.0, (limit_mb - level) / rss.trend.slope))
