"""A 429 answer: its own failure class, and the server's ``Retry-After`` honoured by the simulated
user that got it (``[llm] honour_retry_after``, at most ``[llm] max_retry_after``).

The wait is read as the OpenAI Python SDK reads it (openai-python ``_base_client``,
``_calculate_retry_timeout``): ``retry-after-ms`` (milliseconds), else ``retry-after`` in seconds
or as an HTTP date. The user sleeps after the request is recorded (the request's own time is not
stretched) and the wait rides on the request event's context as ``retry_wait_ms``, which the
report sums per operation.
"""

from __future__ import annotations

import email.utils
import time
from typing import TYPE_CHECKING, Any

from memload.adapters.calls import add_context, measure_from_schedule, status_failure

if TYPE_CHECKING:
    from memload.adapters.base import Adapter, AdapterOptions

RATE_LIMITED = "rate limited: HTTP 429"


def retry_after_s(headers: Any, *, now_unix: float | None = None) -> float | None:
    """Seconds the server asks to wait, or None when it says nothing readable."""
    if headers is None:
        return None
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return max(0.0, float(millis) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_tz(str(value))
        if parsed is None:
            return None
        now = time.time() if now_unix is None else now_unix
        return max(0.0, email.utils.mktime_tz(parsed) - now)


def retry_wait_s(options: AdapterOptions, response: Any) -> float:
    """How long the user that got this 429 waits before its next request (0: not honoured, or
    the server did not say)."""
    if not options.honour_retry_after:
        return 0.0
    return min(retry_after_s(getattr(response, "headers", None)) or 0.0, options.max_retry_after_s)


def wait(seconds: float) -> None:
    """The wait itself, once the request has been recorded. Inside Locust, gevent has patched
    ``time.sleep``: only this user's greenlet waits."""
    if seconds > 0:
        time.sleep(seconds)


def failed_status(adapter: Adapter, response: Any, expected: tuple[int, ...] = (200,)) -> float:
    """Fail a request answered with an unexpected status; a 429 is its own class and returns the
    seconds its user is to wait (``rate_limits.wait`` once the request is recorded)."""
    measure_from_schedule(response)
    if response.status_code != 429:
        response.failure(status_failure(response, expected))
        return 0.0
    wait_s = retry_wait_s(adapter.options, response)
    response.failure(RATE_LIMITED)
    add_context(response, retry_wait_ms=wait_s * 1000.0)
    return wait_s
