"""Deadlines for connections that wait on their client, kept by one timer for all of them.

A socket timeout, or a ``gevent.Timeout`` per request, creates a timer for every wait: measured
with callgrind, the two of them cost about 40,000 instructions per keep-alive request, a tenth
of all the work of a request to a trivial WSGI app. Here a handler only writes ``expires_at`` (a
``time.monotonic()`` second, ``inf`` while it does not wait on its client) and the error to
raise; one greenlet wakes every ``tick_s`` and, for each handler past its deadline, schedules a
hub callback that throws the error into the handler's greenlet (as ``gevent.Timeout`` does), if
it is still past the deadline then. A deadline fires at most ``tick_s`` late.
"""

from __future__ import annotations

import math
import time
from typing import Protocol

import gevent
from gevent.hub import get_hub

MIN_TICK_S = 0.05
MAX_TICK_S = 1.0


class Waiter(Protocol):
    expires_at: float

    def expire(self) -> None: ...


def tick_for(*timeouts_s: float) -> float:
    """A quarter of the shortest timeout, between ``MIN_TICK_S`` and ``MAX_TICK_S``."""
    return min(MAX_TICK_S, max(MIN_TICK_S, min(timeouts_s) / 4))


class Deadlines:
    """The handlers of one server; ``start`` and ``stop`` its checking greenlet."""

    def __init__(self, tick_s: float) -> None:
        self.tick_s = tick_s
        self._waiters: set[Waiter] = set()
        self._greenlet: gevent.Greenlet | None = None

    def add(self, waiter: Waiter) -> None:
        self._waiters.add(waiter)

    def discard(self, waiter: Waiter) -> None:
        self._waiters.discard(waiter)

    def start(self) -> None:
        if self._greenlet is None:
            self._greenlet = gevent.spawn(self._run)

    def stop(self) -> None:
        if self._greenlet is not None:
            self._greenlet.kill(block=False)
            self._greenlet = None

    def _run(self) -> None:
        loop = get_hub().loop
        while True:
            gevent.sleep(self.tick_s)
            now = time.monotonic()
            for waiter in self._waiters:  # nothing here yields, so the set cannot change meanwhile
                if waiter.expires_at <= now:
                    loop.run_callback(waiter.expire)


NEVER = math.inf
