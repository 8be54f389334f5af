"""The load of a soak run split into windows, each with its own figures.

The steady window (after the warm-up, to the end of the load) is cut into ``n`` equal windows,
``n = max(10, round(hours))``: about an hour each for a run of 10 h or more, tenths of it for a
shorter one. A window holds the 10 s intervals whose midpoint lies in it (half-open, so no interval
is in two windows); its throughput, error count and rate and exact p50/p95/p99 come from memload's
histograms merged over those intervals (in the report's one pass over the histogram rows:
``merge_histograms(split_edges=…)``), the target's resources from resources.csv over the same
span: mean CPU (sum of its processes, % of one core) and the median RSS, fds and threads of the
per-sample sums.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from memload import names as C
from memload.analysis.read.hdr import (
    Counts,
    Decoder,
    HistogramDecodeError,
    empty_counts,
    percentile_values,
    scale_of,
    total_count,
)
from memload.analysis.read.intervals import IntervalFiles, covered_s, split_of
from memload.analysis.read.window import Window

MIN_WINDOWS = 10
PERCENTS: dict[str, float] = {"p50_ms": 50.0, "p95_ms": 95.0, "p99_ms": 99.0}


@dataclass(frozen=True, kw_only=True)
class SoakWindow:
    index: int
    start_unix: float
    end_unix: float
    figures: dict[str, float]  # "total.rps", "total.p95_ms", …, "target.rss_mb", …
    intervals: int  # 10 s intervals the request figures come from

    def get(self, address: str) -> float | None:
        return self.figures.get(address)


def window_edges(window: Window) -> np.ndarray:
    count = max(MIN_WINDOWS, round(window.duration_s / 3600.0))
    return np.linspace(window.start_unix, window.end_unix, count + 1)


def response_rows(files: IntervalFiles) -> pd.DataFrame:
    """The ``response_ms`` histogram rows, in interval order, with each interval's midpoint."""
    rows = files.histograms[files.histograms[C.HDR_METRIC].astype(str) == C.METRIC_RESPONSE]
    rows = rows.sort_values(C.HDR_INTERVAL, kind="stable")
    return rows.assign(_middle=rows[C.HDR_INTERVAL].to_numpy(dtype=float) + C.INTERVAL_S / 2.0)


def _between(frame: pd.DataFrame, times: np.ndarray, start: float, end: float) -> pd.DataFrame:
    low, high = np.searchsorted(times, [start, end], side="left")
    return frame.iloc[low:high]


def window_histograms(rows: pd.DataFrame, edges: np.ndarray) -> list[Counts]:
    """The ``total`` response_ms histogram of each window, every row decoded once (the report's main
    pass gives the same through ``merge_histograms(split_edges=…)``; this is for a caller without it)."""
    found = [empty_counts() for _ in range(len(edges) - 1)]
    split = split_of(rows[C.HDR_INTERVAL].to_numpy(dtype=float), edges)
    decoder = Decoder()
    for cell, index in zip(rows[C.HDR_HISTOGRAM].to_numpy(), split):
        if index < 0:
            continue
        try:
            decoder.add_to(cell, [found[index]])
        except (HistogramDecodeError, TypeError):
            continue  # the main figures count it as a bad row
    return found


def _request_figures(
    files: IntervalFiles, counts: Counts | None, window: Window, start: float, end: float
) -> tuple[dict[str, float], int]:
    middles = files.counts[C.IC_INTERVAL].to_numpy(dtype=float) + C.INTERVAL_S / 2.0
    chosen = files.counts[(middles >= start) & (middles < end)]
    if chosen.empty:
        return {}, 0
    intervals = np.unique(chosen[C.IC_INTERVAL].to_numpy(dtype=float))
    seconds = covered_s(intervals, window)
    requests, failures = float(chosen[C.IC_REQUESTS].sum()), float(chosen[C.IC_FAILURES].sum())
    figures = {"total.requests": requests, "total.failures": failures}
    if seconds > 0:
        figures["total.rps"] = requests / seconds
    if requests > 0:
        figures["total.error_rate"] = failures / requests
    if counts is not None and total_count(counts) > 0:
        scale = scale_of(C.METRIC_RESPONSE)
        values = percentile_values(counts, list(PERCENTS.values()))
        figures.update({f"total.{label}": values[p] / scale for label, p in PERCENTS.items()})
    return figures, int(intervals.size)


def _target_figures(target: pd.DataFrame | None, start: float, end: float) -> dict[str, float]:
    if target is None or target.empty:
        return {}
    times = target[C.RES_TIMESTAMP].to_numpy(dtype=float)
    rows = target[(times >= start) & (times < end)]
    if rows.empty:
        return {}
    return {
        "target.cpu_pct": float(rows[C.RES_CPU_PCT].mean()),
        "target.rss_mb": float(rows[C.RES_RSS_MB].median()),
        "target.num_fds": float(rows[C.RES_NUM_FDS].median()),
        "target.threads": float(rows[C.RES_THREADS].median()),
    }


def soak_windows(
    files: IntervalFiles | None,
    target_sums: pd.DataFrame | None,
    window: Window,
    rows: pd.DataFrame | None,
    histograms: list[Counts] | None = None,
) -> list[SoakWindow]:
    """Every window with its figures; ``target_sums``: the target's per-sample sums (or None),
    ``rows``: ``response_rows(files)``; ``histograms``: each window's ``total`` response_ms histogram
    when the caller's pass already merged them (else they are merged here, in one pass)."""
    edges = window_edges(window)
    if files is not None and rows is not None and (histograms is None or len(histograms) != len(edges) - 1):
        histograms = window_histograms(rows, edges)
    found = []
    for index, (start, end) in enumerate(zip(edges[:-1], edges[1:])):
        figures: dict[str, float] = {}
        intervals = 0
        if files is not None and histograms is not None:
            figures, intervals = _request_figures(files, histograms[index], window, float(start), float(end))
        figures.update(_target_figures(target_sums, float(start), float(end)))
        found.append(
            SoakWindow(
                index=index,
                start_unix=float(start),
                end_unix=float(end),
                figures=figures,
                intervals=intervals,
            )
        )
    return found


def interval_p95_ms(rows: pd.DataFrame, start: float, end: float) -> np.ndarray:
    """The exact p95 (ms) of each 10 s interval whose midpoint lies in [start, end): every
    operation's ``response_ms`` histogram of the interval merged (``total``)."""
    part = _between(rows, rows["_middle"].to_numpy(), start, end)
    starts = part[C.HDR_INTERVAL].to_numpy(dtype=float)
    if not starts.size:
        return np.array([])
    decoder, scale = Decoder(), scale_of(C.METRIC_RESPONSE)
    values = []
    for cells in np.split(part[C.HDR_HISTOGRAM].to_numpy(), np.flatnonzero(np.diff(starts)) + 1):
        counts = empty_counts()
        for cell in cells:
            try:
                decoder.add_to(cell, [counts])
            except (HistogramDecodeError, TypeError):
                continue  # the main figures count it as a bad row
        found = percentile_values(counts, [95.0])
        if found:
            values.append(found[95.0] / scale)
    return np.asarray(values, dtype=float)
