"""Error bursts of a soak run, from ``interval_counts.csv`` (failures per 10 s interval, per
operation and in total) over the steady window.

For each scope (every operation, and ``total``) the baseline is its error rate over the whole
steady window (failures ÷ requests). An interval is **hot** when all three hold:
- its error rate is above max(5 × baseline, 1 %);
- that many failures are unlikely at the baseline rate: the Poisson chance of at least as many
  failures, at baseline × the interval's requests, is below 0.01 ÷ the number of intervals (so that
  noise alone makes a hot interval in fewer than 1 run in 100);
- it has at least one failure.
Hot intervals with at most one cool interval between them form one run; a run with at least 3
failures is a burst. Bursts of different scopes that overlap or touch (one interval apart) are one
burst, naming the operations that burst (every operation that failed in it when only ``total``
did); its failures and requests are those operations' over the burst's intervals.

The kinds of error come from ``locust_failures.csv``: its top messages for those operations.
Locust's failures file has no time, so these are the operations' errors **over the whole run**,
not only the burst's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import poisson

from memload import names as C
from memload.analysis.read.intervals import TOTAL, selected
from memload.analysis.read.window import Window

BURST_FACTOR = 5.0
MIN_RATE = 0.01
MIN_FAILURES = 3
RUN_ALPHA = 0.01
MAX_GAP = 1  # cool intervals a burst may hold
TOP_KINDS = 3


@dataclass(frozen=True, kw_only=True)
class Burst:
    start_unix: float  # the first interval's start
    end_unix: float  # the last interval's end
    failures: int
    requests: int
    operations: list[str]
    kinds: list[tuple[str, str, int]] = field(default_factory=list)  # (operation, message, occurrences)

    @property
    def error_rate(self) -> float | None:
        return self.failures / self.requests if self.requests else None


@dataclass(frozen=True, kw_only=True)
class FailureSeries:
    """Per interval of the steady window: requests and failures of each scope (0 without a row)."""

    starts: np.ndarray
    requests: dict[str, np.ndarray]
    failures: dict[str, np.ndarray]


def failure_series(counts: pd.DataFrame, window: Window) -> FailureSeries | None:
    starts = counts[C.IC_INTERVAL].to_numpy(dtype=float)
    chosen = counts[selected(starts, window)]
    if chosen.empty:
        return None
    present = chosen[C.IC_INTERVAL].to_numpy(dtype=float)
    grid = np.arange(present.min(), present.max() + C.INTERVAL_S / 2.0, C.INTERVAL_S)  # gaps as 0
    requests: dict[str, np.ndarray] = {}
    failures: dict[str, np.ndarray] = {}
    for scope, rows in chosen.groupby(chosen[C.IC_SCOPE].astype(str), sort=True):
        at = np.rint((rows[C.IC_INTERVAL].to_numpy(dtype=float) - grid[0]) / C.INTERVAL_S).astype(np.int64)
        for target, column in ((requests, C.IC_REQUESTS), (failures, C.IC_FAILURES)):
            values = np.zeros(grid.size)
            np.add.at(values, at, rows[column].to_numpy(dtype=float))
            target[str(scope)] = values
    requests[TOTAL] = np.sum(list(requests.values()), axis=0)
    failures[TOTAL] = np.sum(list(failures.values()), axis=0)
    return FailureSeries(starts=grid, requests=requests, failures=failures)


def hot_intervals(requests: np.ndarray, failures: np.ndarray) -> np.ndarray:
    total = float(requests.sum())
    if total <= 0 or failures.sum() <= 0:
        return np.zeros(requests.size, dtype=bool)
    baseline = float(failures.sum()) / total
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(requests > 0, failures / np.maximum(requests, 1.0), 0.0)
    unlikely = poisson.sf(failures - 1, baseline * requests) < RUN_ALPHA / requests.size
    return (failures >= 1) & (rate > max(BURST_FACTOR * baseline, MIN_RATE)) & unlikely


def runs_of(hot: np.ndarray, max_gap: int = MAX_GAP) -> list[tuple[int, int]]:
    """(first, last) index of each run of hot intervals, runs at most ``max_gap`` apart merged."""
    found: list[tuple[int, int]] = []
    for index in np.flatnonzero(hot):
        if found and index - found[-1][1] <= max_gap + 1:
            found[-1] = (found[-1][0], int(index))
        else:
            found.append((int(index), int(index)))
    return found


def _merged(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, set[str]]]:
    events: list[tuple[int, int, set[str]]] = []
    for first, last, scope in sorted(spans):
        if events and first - events[-1][1] <= MAX_GAP + 1:
            start, end, scopes = events[-1]
            events[-1] = (start, max(end, last), scopes | {scope})
        else:
            events.append((first, last, {scope}))
    return events


def error_kinds(failures: pd.DataFrame | None, operations: Sequence[str]) -> list[tuple[str, str, int]]:
    """The top messages of ``locust_failures.csv`` for ``operations`` (over the whole run)."""
    if failures is None or failures.empty:
        return []
    rows = failures[failures[C.FAIL_NAME].astype(str).isin(list(operations))]
    rows = rows.sort_values(C.FAIL_OCCURRENCES, ascending=False, kind="stable").head(TOP_KINDS)
    return [
        (str(r[C.FAIL_NAME]), str(r[C.FAIL_ERROR]), int(r[C.FAIL_OCCURRENCES])) for _, r in rows.iterrows()
    ]


def find_bursts(series: FailureSeries, failures_file: pd.DataFrame | None = None) -> list[Burst]:
    spans = []
    for scope in series.failures:
        hot = hot_intervals(series.requests[scope], series.failures[scope])
        for first, last in runs_of(hot):
            if series.failures[scope][first : last + 1].sum() >= MIN_FAILURES:
                spans.append((first, last, scope))
    bursts = []
    operations = [s for s in series.failures if s != TOTAL]
    for first, last, scopes in _merged(spans):
        part = slice(first, last + 1)
        named = sorted(scopes - {TOTAL}) or [s for s in operations if series.failures[s][part].sum() > 0]
        bursts.append(
            Burst(
                start_unix=float(series.starts[first]),
                end_unix=float(series.starts[last]) + C.INTERVAL_S,
                failures=int(sum(series.failures[s][part].sum() for s in named)),
                requests=int(sum(series.requests[s][part].sum() for s in named)),
                operations=named,
                kinds=error_kinds(failures_file, named),
            )
        )
    return bursts
