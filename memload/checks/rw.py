"""Read-your-writes lag: a sampled share of acknowledged creates is polled, get then search for the
exact text, from the moment the create was answered and then every ``rw_poll_interval`` (backing off to 5 % of
the time since the answer once that is longer), until the
memory is found by both or ``rw_limit`` has passed. The lag (from the create's answer to the send of
the first poll that found it) goes into a histogram, per interval of the create's answer; a memory
not found within the limit is counted as never visible.

Polls are not the user's operations: they are named ``get_memory|check=rw`` and
``search|check=rw`` (a breakdown scope, outside every operation's figures and the total), and run in
greenlets of their own, at most ``rw_max_pollers`` per process (a sample beyond is counted as
skipped). In the open model they are outside the arrival pool and its schedule: a poll never takes
an arrival's slot (no arrival is dropped for it) and is timed from when it is sent.
"""

from __future__ import annotations

import contextvars
import time
from typing import TYPE_CHECKING

import gevent

from memload.adapters.base import Adapter
from memload.adapters.calls import made_by_check
from memload.checks import spec as S
from memload.checks.state import CheckState

if TYPE_CHECKING:  # imported by the locustfile; tests use it without Locust
    from memload.loadgen.users import Tenant

# polls come every rw_poll_interval, or every BACKOFF × the time since the create when that is longer:
# the lag is measured to within max(interval, 5 %) and a memory never visible costs ~70 polls in 10 s
BACKOFF = 0.05


class Poller:
    def __init__(
        self, state: CheckState, *, interval_s: float, limit_s: float, max_pollers: int, max_rate: float = 1e9
    ) -> None:
        self.state = state
        self.interval_s, self.limit_s, self.max_pollers = interval_s, limit_s, max_pollers
        self.active = 0
        self.max_rate = max_rate  # creates admitted per second: a token bucket of one second's worth
        self.tokens, self.filled_s = min(max_rate, 1.0), time.monotonic()

    def admits(self) -> bool:
        """Whether a sampled create may be polled now (at most ``max_rate`` a second, on average)."""
        now_s = time.monotonic()
        self.tokens = min(max(self.max_rate, 1.0), self.tokens + (now_s - self.filled_s) * self.max_rate)
        self.filled_s = now_s
        if self.tokens < 1.0:
            self.state.count(S.CK_RW_OVER_RATE)
            return False
        self.tokens -= 1.0
        return True

    def start(self, tenant: Tenant, memory_id: str, text: str) -> None:
        if self.active >= self.max_pollers:
            self.state.count(S.CK_RW_SKIPPED)
            return
        self.active += 1
        self.state.count(S.CK_RW_SAMPLED)
        acked = (time.perf_counter(), time.time())
        # a fresh context: not the arrival's scheduled start (memload.adapters.calls)
        gevent.spawn(contextvars.Context().run, self._poll, tenant, memory_id, text, acked)

    def _poll(self, tenant: Tenant, memory_id: str, text: str, acked: tuple[float, float]) -> None:
        try:
            with made_by_check("rw"):
                self._until_visible(tenant, memory_id, text, acked)
        finally:
            self.active -= 1

    def _until_visible(self, tenant: Tenant, memory_id: str, text: str, acked: tuple[float, float]) -> None:
        acked_perf_s, acked_unix_s = acked
        adapter, user = tenant.adapter, tenant.user_id
        get_lag_s: float | None = None
        search_lag_s: float | None = None
        due_s = 0.0  # the first poll as soon as the create is answered
        while True:
            delay_s = acked_perf_s + due_s - time.perf_counter()
            if delay_s > 0:
                gevent.sleep(delay_s)
            sent_s = time.perf_counter() - acked_perf_s
            due_s = sent_s + max(self.interval_s, BACKOFF * sent_s)
            if get_lag_s is None and _has(
                adapter, "get_memory", adapter.get_memory(user, memory_id), memory_id
            ):
                get_lag_s = sent_s
            if search_lag_s is None and _has(adapter, "search", adapter.search(user, text), memory_id):
                search_lag_s = sent_s
            if get_lag_s is not None and search_lag_s is not None:
                self.state.count(S.CK_RW_VISIBLE, unix_s=acked_unix_s)
                self.state.record_ms(S.CK_RW_LAG, max(get_lag_s, search_lag_s) * 1000.0, unix_s=acked_unix_s)
                self.state.record_ms(S.CK_RW_GET_LAG, get_lag_s * 1000.0, unix_s=acked_unix_s)
                return
            if time.perf_counter() - acked_perf_s >= self.limit_s:
                self.state.count(S.CK_RW_NEVER, unix_s=acked_unix_s)
                return


def _has(adapter: Adapter, operation: str, reply: object, memory_id: str) -> bool:
    found = adapter.found_memories(operation, reply) if reply is not None else None
    return found is not None and any(m.id == memory_id for m in found)
