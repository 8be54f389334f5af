"""memload's own per-interval files (``hdr_histograms.csv``, ``interval_counts.csv``): read them,
pick the intervals of a window, and merge their histograms per (scope, metric).

Intervals are 10 s, aligned to the unix clock (``interval_start`` is a multiple of 10). An
interval belongs to a window when its midpoint lies inside the window, so a window's figures
cover whole intervals: up to 5 s more or less than the window at each end. Rows with the same key
(a late worker report adds one) are merged (histograms) or summed (counters). ``total`` is the
merge of every operation (not of the LLM breakdowns, ``llm_chat|model=…``: part of an operation).

One pass over the histogram rows, sorted by (metric, plot bin, scope), decodes each row once and
adds it to (a) its scope's histogram of the window when its interval is selected and (b), for the
metrics that are plotted over time, its scope's histogram of the plot bin, whose percentiles are
taken when the bin is complete. Memory stays at a few count vectors per scope however long the run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from memload import names as C
from memload.analysis.read.csvread import CsvSpec, read_csv
from memload.analysis.read.hdr import (
    Counts,
    Decoder,
    HistogramDecodeError,
    empty_counts,
    percentile_values,
    scale_of,
)
from memload.analysis.read.window import Window

TOTAL = "total"
MAX_POINTS = 2000  # plot points per line, as analysis.series
SERIES_METRICS: tuple[str, ...] = ("response_ms", "ttft_ms")  # plotted over time
SERIES_PERCENTS: dict[str, float] = {"p50": 50.0, "p95": 95.0, "p99": 99.0}

HDR_SPEC = CsvSpec(
    file_name=C.HDR_CSV,
    numeric=(C.HDR_INTERVAL,),
    categorical=(C.HDR_SCOPE, C.HDR_METRIC),
    text=(C.HDR_HISTOGRAM,),
)
COUNTS_SPEC = CsvSpec(
    file_name=C.COUNTS_CSV,
    numeric=(C.IC_INTERVAL, *(c for c in C.IC_COUNTERS if c not in C.OPTIONAL_COUNTERS)),
    optional_numeric=C.OPTIONAL_COUNTERS,
    categorical=(C.IC_SCOPE,),
)


@dataclass(kw_only=True)
class IntervalFiles:
    histograms: pd.DataFrame  # interval_start, scope, metric, histogram (one row per file row)
    counts: pd.DataFrame  # interval_start, scope, counters: summed per (interval, operation)
    # the same for the LLM breakdowns ("llm_chat|model=gpt-4"): apart, so that no sum over the
    # scopes of ``counts`` counts a request twice
    breakdown_counts: pd.DataFrame | None = None


def load_interval_files(run_dir: Path, warnings: list[str]) -> IntervalFiles | None:
    """Both files, or None: absent (a run from before memload recorded them: no warning), or one
    of them missing or unusable (a warning; the figures then come from Locust's files)."""
    present = [(run_dir / name).is_file() for name in (C.HDR_CSV, C.COUNTS_CSV)]
    if not any(present):
        return None
    local: list[str] = []
    histograms = read_csv(run_dir, HDR_SPEC, local)
    counts = read_csv(run_dir, COUNTS_SPEC, local)
    warnings.extend(local)
    if histograms is None or counts is None or histograms.frame.empty or counts.frame.empty:
        warnings.append(
            f"{C.HDR_CSV} / {C.COUNTS_CSV} unusable or empty: request figures come from Locust's "
            "files instead"
        )
        return None
    summed = counts.frame.groupby([C.IC_INTERVAL, C.IC_SCOPE], observed=True, sort=True)[
        list(C.IC_COUNTERS)
    ].sum()
    summed = summed.reset_index()
    breakdown = np.array([C.is_breakdown(str(scope)) for scope in summed[C.IC_SCOPE]], dtype=bool)
    return IntervalFiles(
        histograms=histograms.frame,
        counts=summed[~breakdown].reset_index(drop=True),
        breakdown_counts=summed[breakdown].reset_index(drop=True),
    )


def selected(interval_starts: np.ndarray, window: Window) -> np.ndarray:
    """Intervals whose midpoint lies inside the steady window."""
    middle = interval_starts + C.INTERVAL_S / 2.0
    return (middle >= window.start_unix) & (middle <= window.end_unix)


def covered_s(interval_starts: np.ndarray, window: Window) -> float:
    """Seconds of load inside the given intervals: each interval clipped to the load's span."""
    starts = np.unique(interval_starts.astype(float))
    low = np.maximum(starts, window.load_start_s)
    high = np.minimum(starts + C.INTERVAL_S, window.load_end_s)
    return float(np.clip(high - low, 0.0, None).sum())


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


class _BinAccumulator:
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


def merge_histograms(files: IntervalFiles, window: Window, *, with_series: bool = True) -> Merged:
    """Window histograms per (scope, metric) and ``total``, and (``with_series``) percentile
    series per plot bin."""
    frame = files.histograms
    metrics = frame[C.HDR_METRIC].astype(str)
    merged = Merged()
    known = metrics.isin(list(C.UNITS_OF_METRIC))
    merged.unknown_metrics = set(metrics[~known].unique())
    frame = frame[known.to_numpy()]
    if frame.empty:
        return merged
    starts = frame[C.HDR_INTERVAL].to_numpy(dtype=float)
    merged.bins = PlotBins.for_intervals(starts)
    order = pd.DataFrame(
        {
            "metric": metrics[known].to_numpy(),
            "bin": merged.bins.index(starts),
            "scope": frame[C.HDR_SCOPE].astype(str).to_numpy(),
            "row": np.arange(len(frame)),
        }
    )
    order = order.sort_values(["metric", "bin", "scope"], kind="stable")
    rows = order["row"].to_numpy()
    encoded = frame[C.HDR_HISTOGRAM].to_numpy()[rows]
    in_window = selected(starts, window)[rows]
    decoder = Decoder()
    for metric, part in order.assign(_i=np.arange(len(order))).groupby("metric", sort=False):
        positions = part["_i"].to_numpy()
        _merge_metric(
            str(metric),
            positions,
            part["bin"].to_numpy(),
            part["scope"].to_numpy(),
            encoded,
            in_window,
            decoder,
            merged,
            plotted=with_series and metric in SERIES_METRICS,
        )
    _add_totals(merged)
    return merged


def _merge_metric(
    metric: str,
    positions: np.ndarray,
    bins: np.ndarray,
    scopes: np.ndarray,
    encoded: np.ndarray,
    in_window: np.ndarray,
    decoder: Decoder,
    merged: Merged,
    *,
    plotted: bool,
) -> None:
    accumulator = _BinAccumulator()
    current_bin = None
    for position, bin_index, scope in zip(positions, bins, scopes):
        if plotted and bin_index != current_bin:
            if current_bin is not None:
                accumulator.flush(metric, int(current_bin), merged)
            current_bin = bin_index
        targets = [accumulator.vector(scope)] if plotted else []
        if in_window[position]:
            key = (scope, metric)
            if key not in merged.window:
                merged.window[key] = empty_counts()
            targets.append(merged.window[key])
        if not targets:
            continue
        try:
            total, low, high = decoder.add_to(encoded[position], targets)
        except (HistogramDecodeError, TypeError):
            merged.bad_rows += 1
            continue
        if plotted and total:
            accumulator.touch(scope, low, high)
    if plotted and current_bin is not None:
        accumulator.flush(metric, int(current_bin), merged)


def _add_totals(merged: Merged) -> None:
    for metric in {m for _, m in merged.window}:
        total = empty_counts()
        for (scope, m), counts in list(merged.window.items()):
            if m == metric and scope != TOTAL and not C.is_breakdown(scope):
                total += counts
        merged.window[(TOTAL, metric)] = total
