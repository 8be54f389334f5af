"""Failure messages normalised before Locust groups them, and the first full example of each.

Locust keeps one entry per distinct (method, name, message) in its errors table (and in every
worker's report, and in ``locust_failures.csv``). A server that puts a request id, a timestamp or a
count in its error bodies (mem0's OSS server answers 502 ``{"detail", "code", "request_id"}``) makes
every failure distinct: a long run's table grows without bound and says nothing. So before Locust's
own listener sees a failed request, its message has ids, times and numbers replaced
(``HTTP 502 (expected 200): {"detail": "Upstream provider error.", "request_id": "<id>"}``); the
status and expected statuses of ``HTTP ...`` messages are kept as they are. The first full message of
each normalised one is kept and written to ``failure_examples.csv`` (the report shows it).

Written for locust==2.47.0 (pinned): the listener goes first in the request event's handlers (the
runner registers Locust's statistics listener before the locustfile's init event), and the message is
the first argument of the ``CatchResponseError`` every ``response.failure(...)`` makes.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from memload import names as C

MAX_EXAMPLES = 1000  # distinct normalised messages kept; past this, no more examples
_SCRUB = (
    # the value of a field named like an id: "request_id": "…", trace-id=…
    (re.compile(r'(?i)("[\w-]*id"\s*:\s*")[^"]*(")'), r"\1<id>\2"),
    (re.compile(r"(?i)(\b[\w-]*id[=:]\s*)[^\s,;&)\"']+"), r"\1<id>"),
    (re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"), "<time>"),
    (re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"), "<id>"),
    # a token of 8+ letters and digits holding a digit: a request id, a hash, a key (words have none)
    (re.compile(r"(?<![A-Za-z0-9])(?=[A-Za-z]*\d)[A-Za-z0-9]{8,}(?![A-Za-z0-9])"), "<id>"),
    (re.compile(r"\d+(?:\.\d+)?"), "<n>"),
)
_HTTP_HEAD = re.compile(r"^HTTP \d{3}(?: \(expected [\d/]+\))?: ")


def normalise(message: str) -> str:
    """``message`` with ids, times and numbers replaced; an ``HTTP 502 (expected 200): `` head kept."""
    head = _HTTP_HEAD.match(message)
    start = head.end() if head else 0
    rest = message[start:]
    for pattern, replacement in _SCRUB:
        rest = pattern.sub(replacement, rest)
    return message[:start] + rest


class FailureExamples:
    """The first full message of each (operation, normalised message) of this process.
    ``error_text`` is how Locust writes an error (``StatsError.parse_error``) once installed."""

    def __init__(self, error_text: Callable[[Any], str] = repr) -> None:
        self.error_text = error_text
        self.first: dict[tuple[str, str], str] = {}  # (name, Locust's error text) -> full message
        self.unsent: dict[tuple[str, str], str] = {}  # not yet sent to the master

    def on_request(self, name: str, exception: Any = None, **_: Any) -> None:
        # what every response.failure(...) makes; matched by name: importing Locust patches the process
        if type(exception).__name__ != "CatchResponseError" or not exception.args:
            return
        full = str(exception.args[0])
        normal = normalise(full)
        if normal == full:
            return
        exception.args = (normal, *exception.args[1:])
        self.remember(name, self.error_text(exception), full)

    def remember(self, name: str, error: str, full: str) -> None:
        key = (name, error)
        if key not in self.first and len(self.first) < MAX_EXAMPLES:
            self.first[key] = full
            self.unsent[key] = full

    def drain(self) -> list[list[str]]:
        """What a worker sends to the master with its report."""
        rows = [[name, error, full] for (name, error), full in self.unsent.items()]
        self.unsent = {}
        return rows

    def merge(self, rows: object) -> None:
        for row in rows if isinstance(rows, list) else []:
            if isinstance(row, list) and len(row) == 3:
                self.remember(str(row[0]), str(row[1]), str(row[2]))

    def write(self, run_dir: Path) -> None:
        """``failure_examples.csv``: one row per normalised message, rewritten whole."""
        if not self.first:
            return
        path = run_dir / C.FAILURE_EXAMPLES_CSV
        partial = path.with_suffix(".part")
        with open(partial, "w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(C.FAILURE_EXAMPLES_COLUMNS)
            writer.writerows([name, error, full] for (name, error), full in self.first.items())
        partial.replace(path)


def install(events: Any) -> FailureExamples:
    """Normalise failures before every other listener of ``events.request`` (Locust's statistics)."""
    from locust.stats import StatsError

    examples = FailureExamples(StatsError.parse_error)
    events.request._handlers.insert(0, examples.on_request)
    return examples
