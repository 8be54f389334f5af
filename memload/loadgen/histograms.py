"""Exact, mergeable latency distributions: HDR histograms per (10 s interval, scope, metric) plus
counters per (interval, scope). Pure data: no Locust, no gevent, so analysis can share the format.

Values are recorded as integers in the unit named by ``UNITS`` (microseconds for every ``*_ms``
metric), with 3 significant digits over 1 µs .. 1 h. Workers drain their store into a payload of
sparse buckets (non-zero counts) every report; the master merges payloads; closed intervals go to
two CSV files (results/README.md) and leave memory, so memory stays bounded however long the run is.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from hdrh.histogram import HdrHistogram

from memload.names import (
    COUNTERS,
    COUNTS_COLUMNS,
    COUNTS_FILE,
    HISTOGRAM_COLUMNS,
    HISTOGRAM_FILE,
    INTERVAL_S,
    UNITS,
)

LOWEST_VALUE = 1
HIGHEST_VALUE = 3_600_000_000  # 1 h in µs
SIGNIFICANT_DIGITS = 3
SCALE = {"us": 1000.0, "milli_tokens_per_s": 1000.0}  # recorded integer = value × scale


def new_histogram() -> HdrHistogram:
    return HdrHistogram(LOWEST_VALUE, HIGHEST_VALUE, SIGNIFICANT_DIGITS)


def release(histogram: HdrHistogram) -> None:
    """Free a histogram that is done with now: hdrh's histogram and its encoder refer to each
    other, so a dropped histogram (a 190 KB counts array) waits for the cyclic collector, and
    one that lived through a few collections (every histogram here does) waits for its rare
    oldest-generation pass. Left to it, a worker's and the master's memory grew by tens of MB in
    ten minutes at 500 requests/s. Breaking the cycle frees the histogram with its last reference."""
    histogram.encoder = None


def _counts_view(histogram: HdrHistogram) -> np.ndarray:
    """The histogram's own counts array seen by numpy (no copy; writes go to the histogram)."""
    assert histogram.word_size == 8, histogram.word_size
    return np.frombuffer(histogram.counts, dtype=np.int64)


INDEX_DTYPE = "<u2"  # a bucket index: hdrh's layout for 1 us .. 1 h at 3 digits has 23,552 buckets
COUNT_DTYPES = ("<u1", "<u2", "<u4", "<u8")  # the narrowest that holds a report's largest count


def sparse_buckets(histogram: HdrHistogram) -> tuple[bytes, bytes, str, int, int]:
    """(indexes, counts, counts' dtype, min, max): the non-zero buckets of ``histogram`` as packed
    little-endian arrays, and its exact extremes. Bytes, not lists of ints: the master unpacks a
    report into a few buffers instead of thousands of small int objects. (Done while chasing the
    master's RSS slope; the slope did not measurably change: docs/truth.md, proof e.)"""
    counts = _counts_view(histogram)
    indexes = np.flatnonzero(counts)
    assert counts.size <= np.iinfo(INDEX_DTYPE).max + 1, counts.size
    nonzero = counts[indexes]
    largest = int(nonzero.max()) if nonzero.size else 0
    dtype = next(d for d in COUNT_DTYPES if largest <= np.iinfo(d).max)
    return (
        indexes.astype(INDEX_DTYPE).tobytes(),
        nonzero.astype(dtype).tobytes(),
        dtype,
        int(histogram.min_value),
        int(histogram.max_value),
    )


def add_sparse_buckets(
    histogram: HdrHistogram,
    indexes: bytes,
    counts: bytes,
    counts_dtype: str,
    *,
    min_value: int,
    max_value: int,
) -> None:
    """Add buckets from ``sparse_buckets`` of a histogram of the same layout, as hdrh's add would."""
    if not indexes:
        return
    if counts_dtype not in COUNT_DTYPES:
        raise ValueError(f"unknown counts dtype {counts_dtype!r} in a worker report")
    added = np.frombuffer(counts, dtype=counts_dtype).astype(np.int64)
    _counts_view(histogram)[np.frombuffer(indexes, dtype=INDEX_DTYPE).astype(np.intp)] += added
    histogram.total_count += int(added.sum())
    histogram.min_value = min(histogram.min_value, min_value)
    histogram.max_value = max(histogram.max_value, max_value)


def to_recorded(metric: str, value: float) -> int:
    scaled = value * SCALE[UNITS[metric]]
    return (
        min(HIGHEST_VALUE, max(LOWEST_VALUE, int(round(scaled)))) if math.isfinite(scaled) else HIGHEST_VALUE
    )


def interval_of(unix_s: float) -> int:
    return int(unix_s // INTERVAL_S) * INTERVAL_S


HistKey = tuple[int, str, str]  # interval_start, scope, metric
CountKey = tuple[int, str]  # interval_start, scope


@dataclass
class IntervalStore:
    histograms: dict[HistKey, HdrHistogram] = field(default_factory=dict)
    counts: dict[CountKey, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    )

    def record(self, scope: str, metric: str, value: float, *, unix_s: float) -> None:
        self._histogram((interval_of(unix_s), scope, metric)).record_value(to_recorded(metric, value))

    def _histogram(self, key: HistKey) -> HdrHistogram:
        """The histogram of ``key``, made empty on first use."""
        histogram = self.histograms.get(key)
        if histogram is None:
            histogram = self.histograms[key] = new_histogram()
        return histogram

    def count(self, scope: str, counter: str, amount: int = 1, *, unix_s: float) -> None:
        self.counts[(interval_of(unix_s), scope)][counter] += amount

    # -- transport: worker -> master ------------------------------------------------------------
    # A histogram travels as its non-zero buckets (indexes and counts, packed) with its exact min
    # and max: a few hundred numbers instead of an encoded 190 KB counts array that the master
    # would have to decode into a new histogram for every report (churn of large blocks in its heap).
    def drain(self) -> dict[str, list]:
        """Everything recorded so far, as sparse buckets for a worker report; the store is emptied."""
        payload = {
            "s": [[i, s, m, *sparse_buckets(h)] for (i, s, m), h in self.histograms.items()],
            "c": [[i, s, dict(c)] for (i, s), c in self.counts.items()],
        }
        self.release()
        return payload

    def merge(self, payload: dict[str, list]) -> None:
        for interval, scope, metric, indexes, counts, counts_dtype, min_value, max_value in payload.get(
            "s", []
        ):
            add_sparse_buckets(
                self._histogram((interval, scope, metric)),
                indexes,
                counts,
                counts_dtype,
                min_value=min_value,
                max_value=max_value,
            )
        for interval, scope, counters in payload.get("c", []):
            bucket = self.counts[(interval, scope)]
            for name, amount in counters.items():
                bucket[name] = bucket.get(name, 0) + amount

    def release(self) -> None:
        """Drop every histogram (freed at once, see ``release``) and counter."""
        for histogram in self.histograms.values():
            release(histogram)
        self.histograms.clear()
        self.counts.clear()

    # -- results files --------------------------------------------------------------------------
    def pop_closed(self, *, before_interval: int | None) -> IntervalStore:
        """Remove and return the intervals that start before ``before_interval`` (None: all)."""
        closed = IntervalStore()
        for key in [k for k in self.histograms if before_interval is None or k[0] < before_interval]:
            closed.histograms[key] = self.histograms.pop(key)
        for count_key in [k for k in self.counts if before_interval is None or k[0] < before_interval]:
            closed.counts[count_key] = self.counts.pop(count_key)
        return closed


class StoreWriter:
    """Appends closed intervals to the two CSV files of a run directory."""

    def __init__(self, run_dir: Path) -> None:
        self.histogram_path = run_dir / HISTOGRAM_FILE
        self.counts_path = run_dir / COUNTS_FILE
        for path, columns in ((self.histogram_path, HISTOGRAM_COLUMNS), (self.counts_path, COUNTS_COLUMNS)):
            if not path.exists():
                with open(path, "w", newline="") as file:
                    csv.writer(file).writerow(columns)

    def write(self, store: IntervalStore) -> None:
        """Append ``store``'s intervals to the files; the store is released (emptied) after."""
        with open(self.histogram_path, "a", newline="") as file:
            writer = csv.writer(file)
            for (interval, scope, metric), histogram in sorted(store.histograms.items()):
                writer.writerow(
                    (
                        interval,
                        scope,
                        metric,
                        UNITS[metric],
                        histogram.get_total_count(),
                        histogram.encode().decode("ascii"),
                    )
                )
        with open(self.counts_path, "a", newline="") as file:
            writer = csv.writer(file)
            for (interval, scope), counters in sorted(store.counts.items()):
                writer.writerow((interval, scope, *(counters.get(name, 0) for name in COUNTERS)))
        store.release()


def merged(histograms: Iterable[HdrHistogram]) -> HdrHistogram:
    total = new_histogram()
    for histogram in histograms:
        total.add(histogram)
    return total
