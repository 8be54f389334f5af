"""The steady window of a run: from the start of the load plus ``warmup_s`` (run.json) to the end
of the load (its last request).

The load starts when the first user does, not when memload does: memload starts the target, then
Locust, which may wait for its workers before spawning users; with the web UI the load starts
when the test is started there. So the warm-up counts from the first history row with users
(``load_start_unix``); a run whose history has no user count falls back to run.json's start.

The load ends before memload does: at the end of a run the shape drains (0 users for a few
seconds while the last requests finish and the last reports arrive) and then the processes stop.
Dividing by that tail would dilute every rate, so the window ends with the second of the last
``locust_stats_history.csv`` row that still had users (its timestamp + 1 s, Locust stamps rows
with the whole second they were written in), or at run.json's ``end_unix`` if that is earlier.
Symmetrically the load starts a second before the first row with users (memload starts the target,
then Locust, which may wait for its workers before spawning users).
Without run.json times, the first and last history timestamps stand in, with a warning."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from memload import names as C


@dataclass(frozen=True, kw_only=True)
class Window:
    run_start_unix: float
    run_end_unix: float
    warmup_s: float
    start_unix: float  # steady start: load start + warm-up
    end_unix: float  # steady end: the end of the load
    load_start_unix: float | None = None  # the second before the first history row with users
    load_end_unix: float | None = None  # the second of the last history row with users > 0

    @property
    def load_start_s(self) -> float:
        return self.run_start_unix if self.load_start_unix is None else self.load_start_unix

    @property
    def load_end_s(self) -> float:
        return self.end_unix if self.load_end_unix is None else self.load_end_unix

    @property
    def duration_s(self) -> float:
        return max(0.0, self.end_unix - self.start_unix)

    @property
    def run_duration_s(self) -> float:
        return max(0.0, self.run_end_unix - self.run_start_unix)

    @property
    def is_empty(self) -> bool:
        return self.end_unix <= self.start_unix

    @property
    def excluded_s(self) -> float:
        """Seconds from the run's start to the steady start: before the load, then its warm-up."""
        return max(0.0, self.start_unix - self.run_start_unix)

    def describe(self) -> str:
        """The window in one phrase, in seconds since the run's start."""
        load_start = self.load_start_s - self.run_start_unix
        return (
            f"steady window {self.duration_s:.1f} s: from +{self.start_unix - self.run_start_unix:.1f} s "
            f"(first user at +{load_start:.1f} s, warm-up {self.warmup_s:g} s) to "
            f"+{self.end_unix - self.run_start_unix:.1f} s (the last request)"
        )


def _number(meta: Mapping[str, Any], key: str) -> float | None:
    value = meta.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def load_span_of(history_timestamps: np.ndarray, users: np.ndarray | None) -> tuple[float, float] | None:
    """Start and end of the load: the second before the first history row with users and the
    second after the last (a row is stamped with the whole second it was written in); None when
    no row had users."""
    if users is None:
        return None
    busy = history_timestamps[np.asarray(users) > 0]
    return (float(busy.min()) - 1.0, float(busy.max()) + 1.0) if busy.size else None


def steady_window(
    meta: Mapping[str, Any],
    history_timestamps: np.ndarray,
    warnings: list[str],
    users: np.ndarray | None = None,
) -> Window:
    """The run and steady windows; warnings say what was guessed or excluded."""
    first_s = float(np.min(history_timestamps))
    last_s = float(np.max(history_timestamps))
    start = _number(meta, C.RUN_START_UNIX)
    end = _number(meta, C.RUN_END_UNIX)
    if start is None:
        warnings.append(f"{C.RUN_JSON} has no {C.RUN_START_UNIX}: run start taken from the first history row")
        start = first_s
    if end is None:
        warnings.append(f"{C.RUN_JSON} has no {C.RUN_END_UNIX}: run end taken from the last history row")
        end = last_s + 1.0
    warmup_s = _number(meta, C.RUN_WARMUP_S) or 0.0
    if warmup_s < 0:
        warnings.append(f"{C.RUN_JSON}: negative {C.RUN_WARMUP_S} ({warmup_s:g}) treated as 0")
        warmup_s = 0.0
    span = load_span_of(history_timestamps, users)
    load_start, load_end = (start, end) if span is None else span
    load_end = min(end, load_end)
    load_start = min(max(start, load_start), load_end)
    window = Window(
        run_start_unix=start,
        run_end_unix=end,
        warmup_s=warmup_s,
        start_unix=load_start + warmup_s,
        end_unix=load_end,
        load_start_unix=load_start,
        load_end_unix=load_end,
    )
    if warmup_s > 0 or load_start - start >= 1.0:
        warnings.append(
            f"warm-up excluded: the first {warmup_s:g} s of load (from the first user, "
            f"+{load_start - start:.1f} s after the run's start) and the time before it are not in the "
            "figures or thresholds"
        )
    if window.is_empty:
        warnings.append(
            f"steady window is empty: warm-up {warmup_s:g} s >= the load's "
            f"{load_end - load_start:.1f} s (run {window.run_duration_s:.1f} s)"
        )
    return window
