"""The knee of a concurrency-steps run: the first step where latency grows faster than throughput.

Rule, from each step i to the previous step i−1 (steps sorted by concurrency):

    g_p95 = (p95[i] − p95[i−1]) / p95[i−1]    relative growth of p95
    g_X   = (X[i] − X[i−1]) / X[i−1]          relative growth of throughput

Step i is the knee when ``g_p95 > max(2 × g_X, 0.10)``: p95 grew more than twice as fast as
throughput *and* by more than 10 %. Below the knee, adding users buys throughput at almost no
latency (g_X large, g_p95 ≈ 0); past it, a saturated service turns added users into queueing only
(g_X ≈ 0, and by Little's law g_p95 ≈ the growth of concurrency). The factor 2 keeps a step that
still gains throughput nearly in proportion to its latency out; the 10 % floor keeps jitter of a
flat, fast latency (1.00 → 1.06 ms while throughput stays put) from being called a knee. A previous
value of 0 counts as infinite growth when the new one is larger, as none otherwise. The rule reads
one step at a time: a single noisy step can trigger it, so steps should be measured on their steady
window.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

LATENCY_FACTOR = 2.0  # p95 must grow more than this many times as fast as throughput
MIN_P95_GROWTH = 0.10  # and by more than 10 %
RULE = "first step where p95 grew more than twice as fast as throughput and by more than 10 %"


class StepPoint(NamedTuple):
    """One step of a concurrency-steps run, measured on its steady window."""

    concurrency: float
    throughput: float  # requests/s
    p95_ms: float


@dataclass(frozen=True)
class Knee:
    index: int  # of the step in the input; the last step before the knee is index − 1
    concurrency: float
    throughput: float
    p95_ms: float
    p95_growth: float  # relative growth from the previous step
    throughput_growth: float
    rule: str = RULE


def growth(previous: float, current: float) -> float:
    """(current − previous) / previous; from 0: infinite when it grew, 0 otherwise."""
    if previous == 0:
        return math.inf if current > 0 else 0.0
    return (current - previous) / previous


def is_knee(p95_growth: float, throughput_growth: float) -> bool:
    return p95_growth > max(LATENCY_FACTOR * throughput_growth, MIN_P95_GROWTH)


def find_knee(steps: Sequence[tuple[float, float, float]]) -> Knee | None:
    """The knee of ``steps`` ((concurrency, throughput, p95_ms) rows, e.g. ``StepPoint``s, sorted by
    strictly increasing concurrency) by the module's rule; None when no step is one (a service that
    scales over the whole range, or fewer than two steps). Malformed rows raise ValueError."""
    rows = [_checked(i, row) for i, row in enumerate(steps)]
    for i in range(1, len(rows)):
        if rows[i].concurrency <= rows[i - 1].concurrency:
            raise ValueError(
                f"steps must be sorted by increasing concurrency: step {i} has {rows[i].concurrency:g} "
                f"after {rows[i - 1].concurrency:g}"
            )
    for i in range(1, len(rows)):
        before, step = rows[i - 1], rows[i]
        p95_growth = growth(before.p95_ms, step.p95_ms)
        throughput_growth = growth(before.throughput, step.throughput)
        if is_knee(p95_growth, throughput_growth):
            return Knee(
                index=i,
                concurrency=step.concurrency,
                throughput=step.throughput,
                p95_ms=step.p95_ms,
                p95_growth=p95_growth,
                throughput_growth=throughput_growth,
            )
    return None


def _checked(index: int, row: tuple[float, float, float]) -> StepPoint:
    if len(row) != 3:
        raise ValueError(f"step {index}: expected (concurrency, throughput, p95_ms), got {row!r}")
    step = StepPoint(*(float(v) for v in row))
    if not all(math.isfinite(v) for v in step):
        raise ValueError(f"step {index}: values must be finite, got {row!r}")
    if step.concurrency <= 0 or step.throughput < 0 or step.p95_ms < 0:
        raise ValueError(
            f"step {index}: concurrency must be positive, throughput and p95 not negative; got {row!r}"
        )
    return step
