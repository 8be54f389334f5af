"""SIGINT and SIGTERM while memload runs: nothing recorded may be lost to a signal.

During the load (``stop_signals``) a signal sets an event, and the runner stops Locust, the monitor
and the target in order. After it (``deferred_signals``: the summary and the report, a few seconds)
the first signal is noted and the report is finished anyway; a second one abandons the report.
Either way the exit code is 2 (interrupted), never a threshold's 1 nor a signal's 130/143.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class ReportAbandoned(Exception):
    """A second signal while the report was being written."""


@contextmanager
def _handling(handler: object) -> Iterator[None]:
    previous = {sig: signal.getsignal(sig) for sig in SIGNALS}
    for sig in SIGNALS:
        signal.signal(sig, handler)  # type: ignore[arg-type]
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@contextmanager
def stop_signals() -> Iterator[threading.Event]:
    """SIGINT and SIGTERM set an event instead of killing memload, so it can stop in order."""
    stop = threading.Event()
    with _handling(lambda *_: stop.set()):
        yield stop


@contextmanager
def deferred_signals() -> Iterator[threading.Event]:
    """The first signal sets the event and lets the work finish; the second raises ReportAbandoned."""
    interrupted = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        if interrupted.is_set():
            raise ReportAbandoned
        interrupted.set()
        print(
            f"memload: {signal.Signals(signum).name}: finishing the report first (again to abandon it)",
            file=sys.stderr,
        )

    with _handling(handler):
        yield interrupted
