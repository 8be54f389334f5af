"""What every request of every adapter shares, whatever the service: the scheduled start of the
call (open model), the request event's context, and the failure message of an unexpected status.

In the open model (memload.loadgen.arrival) each request has a scheduled start and is served in
its own greenlet by its tenant's one adapter. The arrival runs the operation inside
``scheduled_at(start)``: the start is held in a context variable, which gevent keeps per greenlet,
so concurrent requests through one adapter each see their own. The adapter's request helpers then
measure the request from that start instead of from when it was sent, and put the wait before
sending on the request event's context as ``queue_ms`` (what memload.loadgen.recorder records).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

MAX_FAILURE_BODY_CHARS = 200
TIMEOUT_FAILURE = "timeout: no answer within the client timeout (scenario `timeout`, --timeout)"

_SCHEDULED_START: ContextVar[float | None] = ContextVar("memload_scheduled_start_perf_s", default=None)
_CHECK: ContextVar[str | None] = ContextVar("memload_check_request", default=None)


@contextmanager
def made_by_check(check: str) -> Iterator[None]:
    """Requests made inside are a check's, not the user's (memload.checks): named
    ``<operation>|check=<check>``, a breakdown scope (memload.names) outside the operation's figures."""
    token = _CHECK.set(check)
    try:
        yield
    finally:
        _CHECK.reset(token)


def check_active() -> bool:
    """Inside ``made_by_check``: a 404 is an answer (not there yet), not a failure."""
    return _CHECK.get() is not None


def request_name(operation: str) -> str:
    check = _CHECK.get()
    return operation if check is None else f"{operation}|check={check}"


@contextmanager
def scheduled_at(start_perf_s: float) -> Iterator[None]:
    """Requests made inside are timed from ``start_perf_s`` (a ``time.perf_counter()`` value)."""
    token = _SCHEDULED_START.set(start_perf_s)
    try:
        yield
    finally:
        _SCHEDULED_START.reset(token)


def scheduled_start_perf_s() -> float | None:
    """The scheduled start of the request being made, or None in the closed model."""
    return _SCHEDULED_START.get()


def measure_from_schedule(response: Any) -> None:
    """Open model: the request's time runs from its scheduled start, not from when it was sent."""
    scheduled_perf_s = _SCHEDULED_START.get()
    if scheduled_perf_s is None:
        return
    total_ms = (time.perf_counter() - scheduled_perf_s) * 1000.0
    sent_ms = response.request_meta["response_time"]
    response.request_meta["response_time"] = max(total_ms, sent_ms)
    add_context(response, queue_ms=max(0.0, total_ms - sent_ms))


def add_context(response: Any, **values: Any) -> None:
    """Values for memload's recorder on the request event's ``context``."""
    response.request_meta["context"] = {**(response.request_meta.get("context") or {}), **values}


def is_timeout(error: object) -> bool:
    """A client timeout, however geventhttpclient or gevent raised it."""
    return isinstance(error, TimeoutError) or type(error).__name__ == "Timeout" or "timed out" in str(error)


def status_failure(response: Any, expected: tuple[int, ...]) -> str:
    status = response.status_code
    if not status:
        error = getattr(response, "error", None)
        if is_timeout(error):  # its own failure class in locust_failures.csv and the report
            return TIMEOUT_FAILURE
        return f"no response: {error or 'connection failed'}"
    body = (response.text or "")[:MAX_FAILURE_BODY_CHARS] if response.content else ""
    return f"HTTP {status} (expected {'/'.join(map(str, expected))}): {body}".strip()
