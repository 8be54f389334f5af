"""Keep Locust's own statistics bounded in the process that aggregates them (the master, or a lone
process) without changing anything Locust shows or writes.

Locust keeps, for every stats entry, things it reads only a few seconds of: a request and failure
count per second of the run, a chart history entry every 5 s, and a copy of the whole
response-time dict about every second and a half (the 20 newest, to compute "current"
percentiles). memload's recorder calls these trims every few seconds. Written for locust==2.47.0
(pinned); tests/truth/locust_trims_check.py checks them against Locust's own readers.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

PER_SECOND_KEEP_S = 60  # Locust reads its per-second counters for the last ~12 s only
HISTORY_KEEP = 12  # Locust's chart history (an entry per 5 s): the last minute, when nothing draws it
HISTORY_DRAWN_KEEP = 1440  # at most this many when the web UI or an HTML report draws it (~1.4 MB)
CURRENT_WINDOW_S = 10  # locust.stats.CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW


def trim_per_second_counters(stats: Any, *, now_s: float) -> None:
    """Drop Locust's per-second request and failure counts older than a minute. Every StatsEntry
    keeps one for each second of the run (num_reqs_per_sec, num_fail_per_sec) but only reads the
    last ~12 s (current_rps); on the master, or a lone process, they grew ~1.5 MB an hour
    (workers reset theirs with every report)."""
    oldest = int(now_s) - PER_SECOND_KEEP_S
    for entry in _entries(stats):
        for per_second in (entry.num_reqs_per_sec, entry.num_fail_per_sec):
            for second in [s for s in per_second if s < oldest]:
                del per_second[second]


def trim_chart_history(environment: Any) -> None:
    """Bound Locust's chart history (a dict every 5 s, ~0.7 MB an hour, 17 MB in a 24-hour soak).
    When no web UI or HTML report will draw it, keep the last minute (memload's own files hold the
    run's history); when one will, thin it to evenly spaced points over the whole run."""
    options = environment.parsed_options
    history = environment.stats.history
    if environment.web_ui is None and not getattr(options, "html_file", None):
        del history[:-HISTORY_KEEP]
    else:
        thin_chart_history(history, keep=HISTORY_DRAWN_KEEP)


def thin_chart_history(history: list[dict[str, Any]], *, keep: int) -> None:
    """Once ``history`` holds more than ``keep`` entries, keep about half of them, at least
    (run length / (keep / 2)) apart from the first to the newest (which Locust's HTML report
    reads). The chart then spans the whole run at a coarser step; 5 s entries accumulate again."""
    if len(history) <= keep:
        return
    seconds = [_unix_s(entry["time"]) for entry in history]
    step_s = max((seconds[-1] - seconds[0]) / (keep // 2), 1.0)
    kept, next_s = [], seconds[0]
    for entry, second in zip(history[:-1], seconds[:-1]):
        if second >= next_s:
            kept.append(entry)
            next_s = second + step_s
    history[:] = [*kept, history[-1]]


def _unix_s(timestamp: str) -> float:
    """Locust's chart timestamps: ``2026-11-21T22:20:10Z`` (locust.util.date.format_utc_timestamp)."""
    return datetime.fromisoformat(timestamp).timestamp()


class FrozenCounts(Mapping):
    """A read-only {response time ms: count} in two arrays: 16 bytes a key where a dict copy costs
    ~60 (its slot and, for counts above 256, an int object of its own)."""

    __slots__ = ("_times_ms", "_counts")

    def __init__(self, counts: Mapping[int, int]) -> None:
        times_ms = sorted(counts)
        self._times_ms = array("q", times_ms)
        self._counts = array("q", (counts[t] for t in times_ms))

    def get(self, time_ms: int, default: Any = None) -> Any:
        index = bisect_left(self._times_ms, time_ms)
        if index < len(self._times_ms) and self._times_ms[index] == time_ms:
            return self._counts[index]
        return default

    def __getitem__(self, time_ms: int) -> int:
        count = self.get(time_ms)
        if count is None:
            raise KeyError(time_ms)
        return count

    def __iter__(self) -> Iterator[int]:
        return iter(self._times_ms)

    def __len__(self) -> int:
        return len(self._times_ms)


def trim_response_times_cache(stats: Any, *, now_s: float) -> None:
    """Drop the cached response-time copies Locust can no longer read and freeze the rest.

    Locust's current percentile at second t reads the cached copy nearest t - 10 (the older one on
    a tie, none beyond 8 s away). Reading happens at t >= now, and later copies are only ever
    newer, so every copy older than the newest one at or before now - 10 is never chosen again.
    What stays (~8 copies instead of 20) becomes FrozenCounts: Locust only ``.get``s from them.
    The cache's bound falls from ~1.4 MB to ~0.1 MB for latencies under 1 s. (It was suspected of
    the master's RSS slope; measured, it was not the cause: docs/truth.md, proof e.)"""
    horizon = int(now_s) - CURRENT_WINDOW_S
    for entry in _entries(stats):
        cache = entry.response_times_cache
        if not cache:
            continue
        readable_from = max((second for second in cache if second <= horizon), default=None)
        for second in list(cache):
            if readable_from is not None and second < readable_from:
                del cache[second]
            elif not isinstance(cache[second].response_times, FrozenCounts):
                cached = cache[second]
                cache[second] = cached._replace(response_times=FrozenCounts(cached.response_times))


def trim_all(environment: Any, *, now_s: float) -> None:
    trim_per_second_counters(environment.stats, now_s=now_s)
    trim_chart_history(environment)
    trim_response_times_cache(environment.stats, now_s=now_s)


def _entries(stats: Any) -> list[Any]:
    return [stats.total, *stats.entries.values()]
