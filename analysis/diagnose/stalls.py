"""Stalls: stretches of at least ``MIN_STALL_S`` seconds in which throughput falls to near zero
(below ``NEAR_ZERO_SHARE`` of the run's typical rate) while users are active, and long enough
that at the typical rate at least ``MIN_MISSED`` requests would have completed.

Throughput per second is the difference of Locust's cumulative request count (the Aggregated rows
of ``locust_stats_history.csv``), smoothed over ``SMOOTH_S`` seconds: with workers, counts arrive
in reports every few seconds, so one second without requests is no stall. The typical rate is the
median of the smoothed rate over the seconds with users. Each stall says what the target, the load
generator and the host were doing (``usage``), and a guess at why."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from memload import names as C
from memload.analysis.diagnose.usage import BUSY_CORE_PCT, BUSY_HOST_PCT, Usage, usage_between
from memload.analysis.read.rundir import RunData
from memload.analysis.read.window import Window

MIN_STALL_S = 5.0
NEAR_ZERO_SHARE = 0.05
SMOOTH_S = 3
IDLE_PCT = 20.0  # a process below this share of a core was mostly waiting
MIN_MISSED = 10  # at the typical rate, at least this many requests would have completed (a slow
# closed-model run, long LLM answers to few users, has gaps without completions that are no stall)


@dataclass(frozen=True, kw_only=True)
class Stall:
    start_unix: float
    end_unix: float
    rps: float  # throughput during the stall
    typical_rps: float  # the run's median throughput with users
    users: float  # mean users during it
    usage: Usage

    @property
    def length_s(self) -> float:
        return self.end_unix - self.start_unix

    def cause(self) -> str:
        """What the samples point to."""
        usage = self.usage
        if usage.host_pct is not None and usage.host_pct >= BUSY_HOST_PCT:
            own = (usage.target_pct or 0.0) + (usage.loadgen_pct or 0.0)
            if usage.cores and own < 0.5 * usage.host_pct * usage.cores:
                return "the host was busy with other work (its CPU was saturated by other processes)"
            return "the host's CPU was saturated"
        if usage.target_process_pct is not None and usage.target_process_pct >= BUSY_CORE_PCT:
            return "the target was busy on the CPU (a saturated core) and answered nothing"
        if usage.loadgen_pct is not None and usage.loadgen_pct >= BUSY_CORE_PCT:
            return "the load generator was saturated and sent nothing"
        if (usage.target_pct or 0.0) < IDLE_PCT and (usage.loadgen_pct or 0.0) < IDLE_PCT:
            return (
                "the target and the load generator were both idle: requests were waiting "
                "(a lock, I/O, the network)"
            )
        return "no saturated process or host: see the target's log"

    def describe(self, run_start_unix: float) -> str:
        return (
            f"stall at +{self.start_unix - run_start_unix:.0f} s for {self.length_s:.0f} s: "
            f"{self.rps:.1f} req/s with {self.users:.0f} users active "
            f"(typically {self.typical_rps:.1f} req/s); "
            f"{self.usage.describe()}: {self.cause()}"
        )


def _aggregated(data: RunData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    history = data.history
    rows = history[history[C.NAME].astype(str) == C.AGGREGATED]
    times = rows[C.HIST_TIMESTAMP].to_numpy(dtype=float)
    return times, rows[C.HIST_REQUESTS].to_numpy(dtype=float), rows[C.HIST_USERS].to_numpy(dtype=float)


def find_stalls(data: RunData, window: Window) -> list[Stall]:
    """Every stall of the run (warm-up included: a stall is worth knowing wherever it is)."""
    times, counts, users = _aggregated(data)
    if times.size < 2 * SMOOTH_S:
        return []
    seconds = np.arange(times[0], times[-1] + 1.0)
    cumulative = np.interp(seconds, times, counts)  # rows are whole seconds; fill any gap
    active = np.interp(seconds, times, users) > 0
    per_s = np.diff(cumulative, prepend=cumulative[0])
    smooth = np.convolve(per_s, np.ones(SMOOTH_S) / SMOOTH_S, mode="same")
    loaded = active & (seconds > window.load_start_s + SMOOTH_S) & (seconds < window.load_end_s - SMOOTH_S)
    if not loaded.any():
        return []
    typical = float(np.median(smooth[loaded]))
    if typical <= 0:
        return []
    low = loaded & (smooth <= NEAR_ZERO_SHARE * typical)
    stalls = []
    near_zero = per_s <= NEAR_ZERO_SHARE * typical
    for start, end in _runs(low):
        while start > 0 and loaded[start - 1] and near_zero[start - 1]:  # the smoothing shortened it
            start -= 1
        while end + 1 < seconds.size and loaded[end + 1] and near_zero[end + 1]:
            end += 1
        first, last = float(seconds[start]) - 1.0, float(seconds[end])  # row t counts (t-1, t]
        if last - first < MIN_STALL_S or typical * (last - first) < MIN_MISSED:
            continue
        stalls.append(
            Stall(
                start_unix=first,
                end_unix=last,
                rps=float(per_s[start : end + 1].sum()) / (last - first),
                typical_rps=typical,
                users=float(np.interp(seconds[start : end + 1], times, users).mean()),
                usage=usage_between(data, first, last),
            )
        )
    return stalls


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) index of each run of True."""
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1))
