"""memload's own per-interval files (``hdr_histograms.csv``, ``interval_counts.csv``): read them,
pick the intervals of a window, and merge their histograms per (scope, metric).

Intervals are 10 s, aligned to the unix clock (``interval_start`` is a multiple of 10). An
interval belongs to a window when its midpoint lies inside it, and, after a warm-up, when it holds
no warm-up request, so a window's figures cover whole intervals: up to 5 s more or less than the
window at each end (up to 10 s less at the start of a window after a warm-up). Rows with the same key
(a late worker report adds one) are merged (histograms) or summed (counters). ``total`` is the
merge of every operation (not of the LLM breakdowns, ``llm_chat|model=…``: part of an operation).

One pass over the histogram rows, sorted by (metric, plot bin, scope), decodes each row once and
adds it to (a) its scope's histogram of the window when its interval is selected and (b), for the
metrics that are plotted over time, its scope's histogram of the plot bin, whose percentiles are
taken when the bin is complete. Memory stays at a few count vectors per scope however long the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from memload import names as C
from memload.analysis.read.bins import TOTAL, BinAccumulator, Merged, PlotBins
from memload.analysis.read.csvread import CsvSpec, read_csv
from memload.analysis.read.hdr import (
    Decoder,
    HistogramDecodeError,
    empty_counts,
)
from memload.analysis.read.window import Window

__all__ = [
    "TOTAL",
    "IntervalFiles",
    "Merged",
    "PlotBins",
    "covered_s",
    "merge_histograms",
    "selected",
    "split_of",
]

SERIES_METRICS: tuple[str, ...] = ("response_ms", "ttft_ms")  # plotted over time

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


START_TOLERANCE_S = 1.0  # the load's start is known to the second (Locust's history rows)


def selected(interval_starts: np.ndarray, window: Window) -> np.ndarray:
    """Intervals of the window: those whose midpoint lies before its end (a last interval the load
    left early is kept, its rates weighted by the load it covers) and, at its start, with a
    warm-up, those that hold no warm-up request (an interval in which the warm-up ends is left
    out, whatever its midpoint); without one (a sub-window: a soak window, a capacity step),
    those whose midpoint lies at or after its start, so that no interval is in two."""
    middle = interval_starts + C.INTERVAL_S / 2.0
    if window.warmup_s > 0:
        warmup_load = np.minimum(window.start_unix, interval_starts + C.INTERVAL_S) - np.maximum(
            interval_starts, window.load_start_s
        )
        first = (warmup_load <= START_TOLERANCE_S) & (interval_starts + C.INTERVAL_S > window.start_unix)
    else:
        first = middle >= window.start_unix
    return first & (middle <= window.end_unix)


def covered_s(interval_starts: np.ndarray, window: Window) -> float:
    """Seconds of load inside the given intervals: each interval clipped to the load's span."""
    starts = np.unique(interval_starts.astype(float))
    low = np.maximum(starts, window.load_start_s)
    high = np.minimum(starts + C.INTERVAL_S, window.load_end_s)
    return float(np.clip(high - low, 0.0, None).sum())


def split_of(interval_starts: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """The split window ``[edges[k], edges[k + 1])`` holding each interval's midpoint, -1 for none."""
    middle = interval_starts + C.INTERVAL_S / 2.0
    index = np.searchsorted(edges, middle, side="right") - 1
    return np.where((middle >= edges[0]) & (middle < edges[-1]), index, -1)


def merge_histograms(
    files: IntervalFiles, window: Window, *, with_series: bool = True, split_edges: np.ndarray | None = None
) -> Merged:
    """Window histograms per (scope, metric) and ``total``, (``with_series``) percentile series per
    plot bin and (``split_edges``) the ``total`` response_ms histogram of each split window (a soak
    run's hours): every row decoded once however many of these it feeds."""
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
    split = None
    if split_edges is not None and len(split_edges) > 1:
        split = split_of(starts, split_edges)[rows]
        merged.split_response = [empty_counts() for _ in range(len(split_edges) - 1)]
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
            split=split if metric == C.METRIC_RESPONSE else None,
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
    split: np.ndarray | None = None,
) -> None:
    accumulator = BinAccumulator()
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
        if split is not None and split[position] >= 0:
            targets.append(merged.split_response[split[position]])
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
