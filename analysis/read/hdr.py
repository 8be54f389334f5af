"""memload's HDR histograms (memload.loadgen.histograms: 1 µs .. 1 h, 3 significant digits) as numpy
count vectors, and percentiles of them that equal hdrh's to the last integer.

Decoding goes through hdrh's own codec (base64, zlib, then pyhdrh's C varint decoder) straight
into one reusable numpy buffer: ``HdrHistogram.decode`` builds a new histogram object, about
0.1 ms each, which is 7 s for the 69,120 histograms of a 24-hour run of 8 operations; this is a
fifth of that. ``percentile_values`` follows ``HdrHistogram.get_value_at_percentile`` exactly
(target count ``max(int(p * total / 100 + 0.5), 1)``, first bucket whose cumulative count reaches
it, that bucket's highest equivalent value); tests check both against hdrh on the same data.
"""

from __future__ import annotations

import binascii
import functools
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from hdrh.codec import PayloadHeader, ext_header_size, payload_header_size
from pyhdrh import decode as _varint_decode  # hdrh's C extension

from memload.loadgen.histograms import SCALE, new_histogram
from memload.names import UNITS

WORD_SIZE = 8  # hdrh decodes V2 payloads into 64-bit counters
Counts = np.ndarray  # uint64, one entry per bucket of the layout


class HistogramDecodeError(ValueError):
    """A histogram cell that is not memload's encoding (bad base64, zlib or parameters)."""


@dataclass(frozen=True, kw_only=True)
class Layout:
    """Bucket boundaries of memload's histograms, computed once from hdrh itself."""

    counts_len: int
    lowest_trackable: int
    highest_trackable: int
    significant_figures: int
    highest: np.ndarray  # int64: highest equivalent value per bucket (what percentiles report)
    median: np.ndarray  # float64: middle of each bucket (what hdrh's mean uses)


@functools.cache
def layout() -> Layout:
    histogram = new_histogram()
    size = histogram.counts_len
    lowest = np.array([histogram.get_value_from_index(i) for i in range(size)], dtype=np.int64)
    highest = np.array([histogram.get_highest_equivalent_value(int(v)) for v in lowest], dtype=np.int64)
    median = lowest + ((highest - lowest + 1) >> 1)
    return Layout(
        counts_len=size,
        lowest_trackable=histogram.lowest_trackable_value,
        highest_trackable=histogram.highest_trackable_value,
        significant_figures=histogram.significant_figures,
        highest=highest,
        median=median.astype(np.float64),
    )


_PARAMETERS = slice(PayloadHeader.significant_figures.offset, PayloadHeader.conversion_ratio_bits.offset)


@functools.cache
def _expected_parameters() -> bytes:
    """The payload header bytes that hold memload's histogram parameters."""
    encoded = new_histogram().encode()
    return zlib.decompress(binascii.a2b_base64(encoded)[ext_header_size:])[_PARAMETERS]


def empty_counts() -> Counts:
    return np.zeros(layout().counts_len, dtype=np.uint64)


class Decoder:
    """Decodes encoded histograms into numpy count vectors, reusing one buffer."""

    def __init__(self) -> None:
        self.layout = layout()
        self._buffer = empty_counts()
        self._address = self._buffer.ctypes.data  # pyhdrh writes the counts here

    def _payload(self, encoded: str | bytes) -> bytes:
        try:
            raw = binascii.a2b_base64(encoded)
            data = zlib.decompress(raw[ext_header_size:])
        except (binascii.Error, ValueError, zlib.error) as error:
            raise HistogramDecodeError(f"not an encoded histogram ({type(error).__name__})") from None
        if len(data) < payload_header_size:
            raise HistogramDecodeError("payload shorter than its header")
        if data[_PARAMETERS] != _expected_parameters():  # significant figures, lowest and highest value
            header = PayloadHeader.from_buffer_copy(data)
            found = (
                header.lowest_trackable_value,
                header.highest_trackable_value,
                header.significant_figures,
            )
            expected = (
                self.layout.lowest_trackable,
                self.layout.highest_trackable,
                self.layout.significant_figures,
            )
            raise HistogramDecodeError(f"histogram parameters {found} differ from memload's {expected}")
        return data

    def add_to(self, encoded: str | bytes, targets: Sequence[Counts]) -> tuple[int, int, int]:
        """Add one encoded histogram to every vector of ``targets``; returns (total count, first
        and last non-empty bucket), (0, -1, -1) for an empty histogram."""
        data = self._payload(encoded)
        buffer = self._buffer
        try:
            result = _varint_decode(data, payload_header_size, self._address, buffer.size, WORD_SIZE)
        except Exception as error:  # pyhdrh raises ValueError/OverflowError on a bad varint stream
            buffer[:] = 0
            raise HistogramDecodeError(f"bad counts ({error})") from None
        total, low, high = (
            int(result["total"]),
            int(result["min_nonzero_index"]),
            int(result["max_nonzero_index"]),
        )
        if total <= 0 or high < 0:
            return 0, -1, -1
        window = slice(low, high + 1)
        for target in targets:
            target[window] += buffer[window]
        buffer[window] = 0
        return total, low, high

    def counts(self, encoded: str | bytes) -> Counts:
        """One encoded histogram as a new count vector."""
        counts = empty_counts()
        self.add_to(encoded, [counts])
        return counts


def total_count(counts: Counts) -> int:
    return int(counts.sum())


def percentile_values(counts: Counts, percents: Iterable[float], *, offset: int = 0) -> dict[float, int]:
    """Recorded values (e.g. µs) at ``percents`` as hdrh's ``get_value_at_percentile`` returns
    them; empty when the histogram is. ``counts`` may be a slice of a vector starting at bucket
    ``offset`` (the buckets outside it being empty)."""
    cumulative = np.cumsum(counts, dtype=np.uint64)
    total = int(cumulative[-1]) if cumulative.size else 0
    if total == 0:
        return {}
    highest = layout().highest
    values = {}
    for percent in percents:
        target = max(int(min(float(percent), 100.0) * total / 100 + 0.5), 1)
        index = int(np.searchsorted(cumulative, np.uint64(target), side="left"))
        values[percent] = int(highest[min(offset + index, highest.size - 1)])
    return values


def mean_value(counts: Counts) -> float | None:
    """The mean recorded value as hdrh computes it (each bucket at its middle)."""
    total = total_count(counts)
    if total == 0:
        return None
    return float(np.dot(counts.astype(np.float64), layout().median)) / total


def scale_of(metric: str) -> float:
    """Recorded integer per reported unit: 1000 µs per ms, 1000 milli-tokens per token."""
    return SCALE[UNITS[metric]]
