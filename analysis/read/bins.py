"""Plot bins of a run's intervals, and what one pass over the histogram rows gives (``Merged``):
the window's histograms, the percentile series per plot bin, the soak windows' histograms."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from memload import names as C
from memload.analysis.read.hdr import Counts, empty_counts, percentile_values, scale_of

TOTAL = "total"
MAX_POINTS = 2000  # plot points per line, as analysis.series
SERIES_PERCENTS: dict[str, float] = {"p50": 50.0, "p95": 95.0, "p99": 99.0}


@dataclass(frozen=True, kw_only=True)
class PlotBins:
    first_s: float
    width_s: float
    count: int

    @classmethod
    def for_intervals(cls, interval_starts: np.ndarray, max_points: int = MAX_POINTS) -> PlotBins:
        first, last = float(interval_starts.min()), float(interval_starts.max())
        intervals = int(round((last - first) / C.INTERVAL_S)) + 1
        per_bin = max(1, math.ceil(intervals / max_points))
        return cls(first_s=first, width_s=per_bin * C.INTERVAL_S, count=math.ceil(intervals / per_bin))

    def index(self, interval_starts: np.ndarray) -> np.ndarray:
        return np.floor((interval_starts - self.first_s) / self.width_s).astype(np.int64)

    @property
    def centres(self) -> np.ndarray:
        return self.first_s + (np.arange(self.count) + 0.5) * self.width_s


@dataclass(kw_only=True)
class Merged:
    """What one pass over the histogram rows gives."""

    window: dict[tuple[str, str], Counts] = field(default_factory=dict)  # (scope, metric) -> counts
    bins: PlotBins | None = None
    series: dict[tuple[str, str], dict[str, np.ndarray]] = field(
        default_factory=dict
    )  # -> "p95" -> ms per bin
    bad_rows: int = 0
    unknown_metrics: set[str] = field(default_factory=set)
    # with ``split_edges``: the ``total`` response_ms histogram of each split window, in the same pass
    split_response: list[Counts] = field(default_factory=list)


class BinAccumulator:
    """Count vectors of the current plot bin per scope, with their non-empty bucket range."""

    def __init__(self) -> None:
        self.counts: dict[str, Counts] = {}
        self.ranges: dict[str, tuple[int, int]] = {}

    def vector(self, scope: str) -> Counts:
        if scope not in self.counts:
            self.counts[scope] = empty_counts()
        return self.counts[scope]

    def touch(self, scope: str, low: int, high: int) -> None:
        old = self.ranges.get(scope)
        self.ranges[scope] = (low, high) if old is None else (min(old[0], low), max(old[1], high))

    def flush(self, metric: str, index: int, merged: Merged) -> None:
        if not self.ranges:
            return
        low = min(r[0] for r in self.ranges.values())
        high = max(r[1] for r in self.ranges.values())
        total = np.zeros(high - low + 1, dtype=np.uint64)
        for scope, (a, b) in self.ranges.items():
            if not C.is_breakdown(scope):
                total[a - low : b - low + 1] += self.counts[scope][a : b + 1]
            self._record(merged, scope, metric, index, self.counts[scope][a : b + 1], a)
            self.counts[scope][a : b + 1] = 0
        self._record(merged, TOTAL, metric, index, total, low)
        self.ranges.clear()

    @staticmethod
    def _record(merged: Merged, scope: str, metric: str, index: int, counts: Counts, offset: int) -> None:
        assert merged.bins is not None
        lines = merged.series.get((scope, metric))
        if lines is None:
            lines = merged.series[(scope, metric)] = {
                label: np.full(merged.bins.count, np.nan) for label in SERIES_PERCENTS
            }
        scale = scale_of(metric)
        for label, value in _labelled(
            percentile_values(counts, SERIES_PERCENTS.values(), offset=offset)
        ).items():
            lines[label][index] = value / scale


def _labelled(values: dict[float, int]) -> dict[str, int]:
    return {label: values[p] for label, p in SERIES_PERCENTS.items() if p in values}
