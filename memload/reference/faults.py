"""Injected faults, so a test can prove that memload sees what was injected.

Faults apply to every route but ``/health`` and ``/metrics`` (the monitor and readiness checks
must keep working), and before the request is handled, so an injected 500 stores nothing.
This module imports nothing but gevent, so ``memload serve`` can check its options before
monkey-patching.
"""

from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass

import gevent
import gevent.lock


class InjectedFault(Exception):
    """Raised for a request that ``--error-rate`` picked to fail with a 500."""


@dataclass(frozen=True, kw_only=True)
class FaultConfig:
    """``error_rate`` in [0, 1]; a stall holds responses for the first ``stall_for_s`` of every
    ``stall_every_s`` window, windows counted from the server's start."""

    error_rate: float = 0.0
    added_latency_ms: float = 0.0
    # ((endpoint, ms), ...): milliseconds added to one route only (its endpoint: the operation's
    # name, e.g. search), on top of added_latency_ms; `--added-latency-ms-on search=20`
    added_latency_ms_on: tuple[tuple[str, float], ...] = ()
    stall_every_s: float = 0.0
    stall_for_s: float = 0.0
    leak_bytes_per_request: int = 0
    leak_fd_every: int = 0  # keep one file descriptor open for good every this many requests (0: never)
    # A known capacity (issue 12): each request holds one of ``max_inflight`` slots for
    # ``service_time_ms`` before it is handled, so throughput saturates at
    # max_inflight × 1000 / service_time_ms requests/s and requests beyond the slots wait in turn.
    max_inflight: int = 0  # 0: no limit
    service_time_ms: float = 0.0
    # Correctness faults (issue 20; memload.reference.storage.faulty): new memories searchable only
    # after index_delay_ms (get finds them at once); a share of searches and lists answered with
    # another user's memory; a share of creates acknowledged with an id and never stored; a share of
    # searches answered from a stale view that misses the user's writes of the last stale_cache_age_ms.
    index_delay_ms: float = 0.0
    cross_tenant_leak_rate: float = 0.0
    write_drop_rate: float = 0.0
    stale_cache_rate: float = 0.0
    stale_cache_age_ms: float = 60_000.0

    def __post_init__(self) -> None:
        for name in ("cross_tenant_leak_rate", "write_drop_rate", "stale_cache_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        if self.index_delay_ms < 0 or self.stale_cache_age_ms < 0:
            raise ValueError("index_delay_ms and stale_cache_age_ms must not be negative")
        if not 0.0 <= self.error_rate <= 1.0:
            raise ValueError("error_rate must be between 0 and 1")
        if any(ms < 0 for _, ms in self.added_latency_ms_on):
            raise ValueError("latencies and stall times must not be negative")
        if self.added_latency_ms < 0 or self.stall_for_s < 0 or self.stall_every_s < 0:
            raise ValueError("latencies and stall times must not be negative")
        if self.stall_for_s > 0 and not 0 < self.stall_for_s < self.stall_every_s:
            raise ValueError("a stall needs 0 < stall_for_s < stall_every_s")
        if self.leak_bytes_per_request < 0 or self.leak_fd_every < 0:
            raise ValueError("leak_bytes_per_request and leak_fd_every must not be negative")
        if self.max_inflight < 0 or self.service_time_ms < 0:
            raise ValueError("max_inflight and service_time_ms must not be negative")
        if (self.max_inflight > 0) != (self.service_time_ms > 0):
            raise ValueError("a known capacity needs both max_inflight and service_time_ms")

    @property
    def capacity_rps(self) -> float | None:
        """Where throughput saturates with the capacity knob on (None when it is off)."""
        if self.max_inflight <= 0:
            return None
        return self.max_inflight * 1000.0 / self.service_time_ms

    @property
    def breaks_correctness(self) -> bool:
        """Whether any correctness fault is on (the store is then memload.reference.storage.faulty's)."""
        rates = (self.cross_tenant_leak_rate, self.write_drop_rate, self.stale_cache_rate)
        return self.index_delay_ms > 0 or any(rate > 0 for rate in rates)

    @property
    def stalls(self) -> bool:
        return self.stall_for_s > 0


def parse_latency_on(text: str) -> tuple[tuple[str, float], ...]:
    """``"search=20,llm_chat=5"`` -> (("search", 20.0), ("llm_chat", 5.0)); a ValueError names
    what is wrong. Routes are named by their endpoint, the operation's name."""
    found: list[tuple[str, float]] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        try:
            ms = float(value)
        except ValueError:
            ms = float("nan")
        if not sep or not name.strip() or not ms >= 0 or ms == float("inf"):
            raise ValueError(f"--added-latency-ms-on: {part!r} is not ROUTE=MS (e.g. search=20, MS >= 0)")
        found.append((name.strip(), ms))
    return tuple(found)


def stall_remaining_s(*, elapsed_s: float, stall_every_s: float, stall_for_s: float) -> float:
    """How long a response at ``elapsed_s`` after the start must still wait (0 outside a stall)."""
    if stall_for_s <= 0:
        return 0.0
    phase_s = elapsed_s % stall_every_s
    return max(0.0, stall_for_s - phase_s)


class FaultInjector:
    """Applies a ``FaultConfig`` to requests; ``leaked_bytes`` counts what the leak has kept."""

    def __init__(self, config: FaultConfig, *, seed: int) -> None:
        self.config = config
        self._rng = random.Random(f"faults:{seed}")
        self._started_s = time.monotonic()
        self._leak: list[bytes] = []
        self.leaked_bytes = 0
        self._requests = 0
        self.leaked_fds: list[int] = []
        # FIFO: gevent wakes a semaphore's waiters in the order they came
        self._slots = gevent.lock.Semaphore(config.max_inflight) if config.max_inflight else None

    def before_request(self, endpoint: str | None = None) -> None:
        """Leak, hold through a stall, add latency (and the route's own), then maybe fail with a 500."""
        config = self.config
        if config.leak_bytes_per_request:
            # Filled (not zeroed) bytes, so the pages count in the resident set at once.
            self._leak.append(b"\xa5" * config.leak_bytes_per_request)
            self.leaked_bytes += config.leak_bytes_per_request
        self._requests += 1
        if config.leak_fd_every and self._requests % config.leak_fd_every == 0:
            self.leaked_fds.append(os.open(os.devnull, os.O_RDONLY))  # never closed: an fd leak
        self.hold_while_stalled()
        if self._slots is not None:
            with self._slots:
                gevent.sleep(config.service_time_ms / 1000.0)
            # let the next waiter take the slot and start its service time now, not after this
            # request has been handled (gevent switches only when a greenlet yields)
            gevent.sleep(0)
        added_ms = config.added_latency_ms + sum(
            ms for name, ms in config.added_latency_ms_on if name == endpoint
        )
        if added_ms > 0:
            gevent.sleep(added_ms / 1000.0)
        if config.error_rate > 0 and self._rng.random() < config.error_rate:
            raise InjectedFault("injected fault (--error-rate)")

    def hold_while_stalled(self) -> None:
        if not self.config.stalls:
            return
        remaining_s = stall_remaining_s(
            elapsed_s=time.monotonic() - self._started_s,
            stall_every_s=self.config.stall_every_s,
            stall_for_s=self.config.stall_for_s,
        )
        if remaining_s > 0:
            gevent.sleep(remaining_s)

    def describe(self) -> dict[str, float | int | dict[str, float]]:
        return {
            "error_rate": self.config.error_rate,
            "added_latency_ms": self.config.added_latency_ms,
            "added_latency_ms_on": dict(self.config.added_latency_ms_on),
            "stall_every_s": self.config.stall_every_s,
            "stall_for_s": self.config.stall_for_s,
            "leak_bytes_per_request": self.config.leak_bytes_per_request,
            "leaked_bytes": self.leaked_bytes,
            "leak_fd_every": self.config.leak_fd_every,
            "leaked_fds": len(self.leaked_fds),
            "max_inflight": self.config.max_inflight,
            "service_time_ms": self.config.service_time_ms,
            "index_delay_ms": self.config.index_delay_ms,
            "cross_tenant_leak_rate": self.config.cross_tenant_leak_rate,
            "write_drop_rate": self.config.write_drop_rate,
            "stale_cache_rate": self.config.stale_cache_rate,
            "stale_cache_age_ms": self.config.stale_cache_age_ms,
        }
