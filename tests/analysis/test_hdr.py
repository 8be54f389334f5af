"""The numpy view of memload's HDR histograms agrees with hdrh itself, to the last integer."""
from __future__ import annotations

import random

import numpy as np
import pytest
from hdrh.histogram import HdrHistogram

from memload.analysis.read.hdr import Decoder, HistogramDecodeError, empty_counts, mean_value, percentile_values
from synthetic_hdr import _counts_of
from memload.loadgen.histograms import new_histogram, to_recorded

PERCENTS = [0.5, 1, 25, 50, 66.6, 90, 95, 99, 99.9, 99.99, 100]


def _histogram(rng: random.Random, n: int, median_ms: float, sigma: float) -> HdrHistogram:
    histogram = new_histogram()
    for _ in range(n):
        histogram.record_value(to_recorded("response_ms", rng.lognormvariate(np.log(median_ms), sigma)))
    return histogram


@pytest.mark.parametrize(("n", "median_ms", "sigma"), [(1, 5.0, 0.1), (2, 0.01, 3.0), (100, 50.0, 0.2),
                                                        (5000, 20.0, 1.5), (3000, 2e6, 0.5)])
def test_percentiles_and_mean_equal_hdrh(n: int, median_ms: float, sigma: float) -> None:
    histogram = _histogram(random.Random(n), n, median_ms, sigma)
    counts = Decoder().counts(histogram.encode())
    assert int(counts.sum()) == histogram.get_total_count()
    assert percentile_values(counts, PERCENTS) == {p: histogram.get_value_at_percentile(p) for p in PERCENTS}
    decoded = HdrHistogram.decode(histogram.encode())
    assert mean_value(counts) == pytest.approx(decoded.get_mean_value(), rel=1e-12)


def test_adding_into_several_vectors_equals_hdrhs_add() -> None:
    rng = random.Random(7)
    parts = [_histogram(rng, 500, m, 0.8) for m in (3.0, 30.0, 300.0)]
    merged, reference, decoder = empty_counts(), new_histogram(), Decoder()
    single = [empty_counts() for _ in parts]
    for part, own in zip(parts, single):
        total, low, high = decoder.add_to(part.encode(), [merged, own])
        assert total == 500 and 0 <= low <= high
        reference.add(part)
    assert percentile_values(merged, PERCENTS) == {p: reference.get_value_at_percentile(p) for p in PERCENTS}
    assert all(int(s.sum()) == 500 for s in single)
    assert decoder.add_to(new_histogram().encode(), [merged]) == (0, -1, -1)  # an empty histogram


def test_an_offset_slice_gives_the_same_percentiles() -> None:
    counts = Decoder().counts(_histogram(random.Random(3), 800, 12.0, 0.6).encode())
    nonzero = np.flatnonzero(counts)
    low, high = int(nonzero[0]), int(nonzero[-1])
    assert percentile_values(counts[low:high + 1], PERCENTS, offset=low) == percentile_values(counts, PERCENTS)


@pytest.mark.parametrize("encoded", ["", "not base64 at all!", "SGVsbG8gd29ybGQ=",
                                     HdrHistogram(1, 1_000_000, 2).encode().decode()])
def test_what_is_not_memloads_histogram_is_an_error(encoded: str) -> None:
    with pytest.raises(HistogramDecodeError):
        Decoder().counts(encoded)


def test_synthetic_buckets_are_hdrhs() -> None:
    values = np.array([1, 2, 2047, 2048, 2049, 4095, 4096, 123_456, 3_599_999_999])
    histogram = new_histogram()
    for value in values:
        histogram.record_value(int(value))
    assert np.array_equal(_counts_of(values), Decoder().counts(histogram.encode()))
