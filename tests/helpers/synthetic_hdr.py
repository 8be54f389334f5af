"""memload's per-interval files (``hdr_histograms.csv``, ``interval_counts.csv``) for a synthetic
results directory (analysis.synthetic): one response-time histogram per operation and 10 s
interval, and for ``llm_chat`` its TTFT, ITL, TPOT, e2e and tokens/s histograms, as memload's
recorder writes them. Vectorised and seeded: each (operation, metric) draws a pool of at most
``POOL`` distinct histograms (latency medians jittered like the Locust history's) and each
interval takes one from it, so a 24-hour directory is written in seconds; decoding costs the
same whatever the repetition."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from memload import names as C
from memload.analysis.read.hdr import layout
from memload.loadgen.histograms import new_histogram

POOL = 256
LLM_OPERATION = "llm_chat"
TOKENS_PER_REQUEST = (16, 48)


class _Encoder:
    """Encodes count vectors with hdrh, reusing one histogram object."""

    def __init__(self) -> None:
        self.histogram = new_histogram()
        self.counts = np.ctypeslib.as_array(self.histogram.counts)

    def encode(self, counts: np.ndarray) -> str:
        nonzero = np.flatnonzero(counts)
        histogram = self.histogram
        self.counts[:] = counts
        histogram.total_count = int(counts.sum())
        histogram.min_value = int(layout().highest[nonzero[0]]) if nonzero.size else 0
        histogram.max_value = int(layout().highest[nonzero[-1]]) if nonzero.size else 0
        encoded = histogram.encode().decode("ascii")
        self.counts[:] = 0
        return encoded


def _counts_of(values_recorded: np.ndarray) -> np.ndarray:
    """A count vector from recorded integers (µs), bucketed as hdrh buckets them."""
    lowest = np.concatenate(([0], layout().highest[:-1] + 1))  # first value of each bucket
    index = np.searchsorted(lowest, np.clip(values_recorded, 1, None), side="right") - 1
    return np.bincount(index, minlength=lowest.size).astype(np.uint64)


def _pool(
    rng: np.random.Generator,
    encoder: _Encoder,
    *,
    median: float,
    sigma: float,
    samples: int,
    scale: float = 1000.0,
) -> list[str]:
    """``POOL`` encoded histograms of ``samples`` log-normal values each (median jittered 10 %)."""
    pool = []
    for _ in range(POOL):
        centre = median * rng.lognormal(0.0, 0.1)
        values = np.rint(rng.lognormal(np.log(centre), sigma, samples) * scale).astype(np.int64)
        pool.append(encoder.encode(_counts_of(values)))
    return pool


def write_interval_files(
    run_dir: Path,
    *,
    start_unix: int,
    duration_s: int,
    operations: Sequence[str],
    rps_per_operation: float,
    failure_ratio: float,
    seed: int,
) -> None:
    rng = np.random.default_rng(seed + 7)
    encoder = _Encoder()
    intervals = np.arange(start_unix - start_unix % C.INTERVAL_S, start_unix + duration_s, C.INTERVAL_S)
    per_interval = max(1, int(rps_per_operation * C.INTERVAL_S))
    medians = np.linspace(2.0, 60.0, len(operations))
    with (
        open(run_dir / C.HDR_CSV, "w", newline="") as hist_file,
        open(run_dir / C.COUNTS_CSV, "w", newline="") as count_file,
    ):
        hist_out, count_out = csv.writer(hist_file), csv.writer(count_file)
        hist_out.writerow(C.HISTOGRAM_COLUMNS)
        # the columns of a file written before the optional counters (read as 0): old runs still read
        count_out.writerow([c for c in C.COUNTS_COLUMNS if c not in C.OPTIONAL_COUNTERS])
        for op, median in zip(operations, medians):
            _write_operation(
                hist_out, count_out, rng, encoder, op, float(median), intervals, per_interval, failure_ratio
            )


def _write_operation(
    hist_out,
    count_out,
    rng: np.random.Generator,
    encoder: _Encoder,
    op: str,
    median: float,
    intervals: np.ndarray,
    per_interval: int,
    failure_ratio: float,
) -> None:
    metrics = {"response_ms": _pool(rng, encoder, median=median, sigma=0.5, samples=per_interval)}
    llm = op == LLM_OPERATION
    tokens = np.mean(TOKENS_PER_REQUEST)
    if llm:
        metrics.update(
            {
                "ttft_ms": _pool(rng, encoder, median=median * 0.25, sigma=0.4, samples=per_interval),
                "itl_ms": _pool(
                    rng, encoder, median=median * 0.75 / tokens, sigma=0.3, samples=int(per_interval * tokens)
                ),
                "tpot_ms": _pool(
                    rng, encoder, median=median * 0.75 / tokens, sigma=0.2, samples=per_interval
                ),
                "e2e_ms": metrics["response_ms"],
                "output_tokens_per_s": _pool(
                    rng, encoder, median=tokens / (median / 1000.0), sigma=0.5, samples=per_interval
                ),
            }
        )
    picks = {metric: rng.integers(0, POOL, intervals.size) for metric in metrics}
    failures = rng.binomial(per_interval, failure_ratio, intervals.size)
    for index, start in enumerate(intervals):
        for metric, pool in metrics.items():
            hist_out.writerow(
                (int(start), op, metric, C.UNITS_OF_METRIC[metric], per_interval, pool[picks[metric][index]])
            )
        requests_ok = per_interval - int(failures[index])
        llm_counts = (
            (int(requests_ok * tokens), requests_ok, requests_ok, requests_ok) if llm else (0, 0, 0, 0)
        )
        count_out.writerow(
            (
                int(start),
                op,
                per_interval,
                int(failures[index]),
                llm_counts[0],
                llm_counts[1],
                0,
                llm_counts[2],
                llm_counts[3],
            )
        )
