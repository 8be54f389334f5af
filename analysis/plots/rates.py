"""Rates over time from memload's ``interval_counts.csv``, the source of the request figures:
requests/s, error rate and output tokens/s per operation and in total, per plot bin (one 10 s
interval, or several merged on long runs: ``PlotBins``).

A bin's rate is its count divided by the seconds of load it covers: the bin clipped to the load's
start and end, as the figures' ``covered_s`` is. Its point sits in the middle of those seconds, so
the first interval (the run starts inside it) and the last (the load ends inside it) are weighted
by the time they cover and drawn within it, never after the last request. Bins without load (the
drain after it) are left out. So ``sum(rate * seconds)`` over the points of a line is the count of
its intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd

from memload import names as C
from memload.analysis.plots.series import ERROR_RATE_MAX_POINTS, MAX_POINTS, Series
from memload.analysis.read.intervals import TOTAL, PlotBins
from memload.analysis.read.window import Window


def loaded_bins(bins: PlotBins, window: Window) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which plot bins hold load, and for those the seconds of load and the middle of them: a
    bin's point sits inside the load it covers, never after the last request."""
    low = bins.first_s + np.arange(bins.count) * bins.width_s
    start = np.maximum(low, window.load_start_s)
    end = np.minimum(low + bins.width_s, window.load_end_s)
    loaded = end > start
    return loaded, (end - start)[loaded], ((start + end) / 2.0)[loaded]


class BinnedCounts:
    """``interval_counts.csv`` summed per plot bin, for the bins that hold load."""

    def __init__(self, counts: pd.DataFrame, bins: PlotBins, window: Window) -> None:
        self.counts = counts
        self.bins = bins
        index = bins.index(counts[C.IC_INTERVAL].to_numpy(dtype=float))
        self._inside = (index >= 0) & (index < bins.count)
        self._index = index
        self._scopes = counts[C.IC_SCOPE].astype(str).to_numpy()
        # seconds of load in each bin drawn, and the middle of them
        self._loaded, self.seconds, self.t_unix = loaded_bins(bins, window)

    @classmethod
    def of(cls, counts: pd.DataFrame, window: Window, max_points: int = MAX_POINTS) -> BinnedCounts:
        """Bins over the file's own intervals, at most ``max_points`` of them."""
        bins = PlotBins.for_intervals(counts[C.IC_INTERVAL].to_numpy(dtype=float), max_points)
        return cls(counts, bins, window)

    def sums(self, column: str, scope: str) -> np.ndarray:
        """``column`` summed per bin drawn, for one operation or ``total`` (all of them)."""
        mask = self._inside if scope == TOTAL else self._inside & (self._scopes == scope)
        values = self.counts[column].to_numpy(dtype=float)[mask]
        per_bin = np.bincount(self._index[mask], weights=values, minlength=self.bins.count)
        return per_bin[self._loaded]

    def per_s(self, column: str, scope: str) -> Series:
        return Series(t_unix=self.t_unix, values=self.sums(column, scope) / self.seconds, label=scope)

    def share(self, part: str, whole: str, scope: str) -> Series:
        """``part`` / ``whole`` per bin; NaN where ``whole`` is 0."""
        numerator, denominator = self.sums(part, scope), self.sums(whole, scope)
        with np.errstate(invalid="ignore", divide="ignore"):
            values = np.where(denominator > 0, numerator / np.maximum(denominator, 1.0), np.nan)
        return Series(t_unix=self.t_unix, values=values, label=scope)


def count_scopes(counts: pd.DataFrame) -> list[str]:
    """The operations of the file, sorted, and ``total`` last."""
    return sorted({str(s) for s in counts[C.IC_SCOPE].unique()} - {TOTAL}) + [TOTAL]


def request_rates(counts: pd.DataFrame, window: Window) -> dict[str, Series]:
    """Requests per second of load per operation and in total."""
    binned = BinnedCounts.of(counts, window)
    return {scope: binned.per_s(C.IC_REQUESTS, scope) for scope in count_scopes(counts)}


def error_rates(counts: pd.DataFrame, window: Window) -> dict[str, Series]:
    """Failures / requests per operation and in total, on coarser bins (at most
    ``ERROR_RATE_MAX_POINTS``) so that each holds enough requests."""
    binned = BinnedCounts.of(counts, window, ERROR_RATE_MAX_POINTS)
    return {scope: binned.share(C.IC_FAILURES, C.IC_REQUESTS, scope) for scope in count_scopes(counts)}


def tokens_per_s(
    counts: pd.DataFrame, window: Window, bins: PlotBins, scopes: list[str]
) -> dict[str, Series]:
    """Output tokens per second of load in each plot bin, per scope (``total``: all of them)."""
    binned = BinnedCounts(counts, bins, window)
    return {scope: binned.per_s(C.IC_OUTPUT_TOKENS, scope) for scope in scopes}
