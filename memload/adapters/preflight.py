"""Preflight: before the load starts, one request of each operation of the mix through the
scenario's own adapter, outside Locust (not counted). A run against a service that refuses every
request should end at once with the reason, not after an hour of 401s:

- 401, 403 or 404, or a 2xx answer the adapter cannot use (not JSON, an HTML page, ``null`` for a
  memory just stored) ends the run: ``preflight: search: HTTP 401: Invalid API key.`` (exit 2);
- other failures (5xx, 429, a timeout) are warnings: the load may still be worth running;
- a create that returns no memory id is a warning: get_memory and delete_memory store a memory
  instead while a user knows no id, so the run would not run the mix it says.

The adapter is handed ``PreflightClient``, a small stand-in for Locust's FastHttpSession on
``requests`` (the runner's process must not import Locust, which monkey-patches it with gevent).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from memload.adapters.base import LIST_LIMIT, Adapter, AdapterOptions
from memload.adapters.registry import load_adapter_class
from memload.scenario import Scenario

FATAL_STATUSES = (401, 403, 404)
USER_ID = "memload-preflight"
TEXT = "memload preflight: I like green tea and live near the sea."
QUERY = "green tea"
USABLE_TYPES = ("json", "event-stream")
MESSAGE_CHARS = 200


@dataclass(kw_only=True)
class Observed:
    """One request the preflight made: its operation (request name), status, failure, answer."""

    name: str
    status: int
    failure: str | None = None
    content_type: str = ""
    body: str = ""

    @property
    def server_message(self) -> str:
        """What the server said: ``detail``, ``error`` or ``message`` of a JSON body, or its text."""
        try:
            decoded = json.loads(self.body)
        except ValueError:
            decoded = None
        if isinstance(decoded, dict):
            for key in ("detail", "error", "message"):
                value = decoded.get(key)
                if isinstance(value, dict):
                    value = value.get("message", value)
                if value:
                    return str(value)[:MESSAGE_CHARS]
        return " ".join(self.body.split())[:MESSAGE_CHARS] or "(empty body)"

    def fatal(self) -> str | None:
        """Why this answer ends the run, or None."""
        if self.status in FATAL_STATUSES:
            return f"preflight: {self.name}: HTTP {self.status}: {self.server_message}"
        if 200 <= self.status < 300 and self.body.strip():
            kind = self.content_type.split(";")[0].strip() or "no content type"
            if not any(usable in kind for usable in USABLE_TYPES):
                return (
                    f"preflight: {self.name}: HTTP {self.status} with {kind}, not JSON: {self.server_message}"
                )
        if 200 <= self.status < 300 and self.failure:
            return f"preflight: {self.name}: {self.failure}"
        return None


class _Lines:
    """``readline`` over a streamed answer, as the OpenAI-compatible SSE reader wants it."""

    def __init__(self, response: requests.Response) -> None:
        self._lines = response.iter_lines()

    def readline(self, _delimiter: bytes = b"\n") -> bytes:
        line = next(self._lines, None)
        return b"" if line is None else line + b"\n"


class _Response:
    """What adapters use of Locust's ResponseContextManager."""

    def __init__(self, client: PreflightClient, name: str, raw: requests.Response | None, error: Any) -> None:
        self.client, self.name, self.error = client, name, error
        self.status_code = 0 if raw is None else raw.status_code
        self.headers = {} if raw is None else dict(raw.headers)
        self._raw = raw
        self._response = None if raw is None else _Lines(raw)
        self.request_meta: dict[str, Any] = {"response_time": 0.0, "context": {}, "response_length": 0}
        self._outcome: str | None = None
        self._failure: str | None = None

    @property
    def content(self) -> bytes:
        return b"" if self._raw is None else self._raw.content

    @property
    def text(self) -> str:
        return "" if self._raw is None else self._raw.text

    def success(self) -> None:
        self._outcome = "success"

    def failure(self, message: object) -> None:
        self._outcome, self._failure = "failure", str(message)

    def __enter__(self) -> _Response:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            body = self.text
        except RuntimeError:  # a stream the adapter read itself: its content is gone
            body = ""
        failure = self._failure if self._outcome == "failure" else None
        if self._outcome is None and (self.status_code == 0 or self.status_code >= 400):
            failure = f"HTTP {self.status_code}" if self.status_code else f"no response: {self.error}"
        content_type = self.headers.get("Content-Type", self.headers.get("content-type", ""))
        observed = Observed(name=self.name, status=self.status_code, failure=failure, body=body)
        observed.content_type = content_type
        self.client.observed.append(observed)


class _RequestEvent:
    """Requests an adapter reports itself (mem0's ``create_memory_completed``)."""

    def __init__(self, client: PreflightClient) -> None:
        self.client = client

    def fire(self, *, name: str, exception: Any = None, **_: Any) -> None:
        failure = None if exception is None else str(exception)
        status = 200 if failure is None else 0
        self.client.observed.append(Observed(name=name, status=status, failure=failure))


class PreflightClient:
    """A stand-in for Locust's FastHttpSession: the ``request`` adapters call, on ``requests``."""

    def __init__(self, base_url: str, *, timeout_s: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.session = requests.Session()
        self.observed: list[Observed] = []
        self.request_event = _RequestEvent(self)

    def request(self, method: str, url: str, *, name: str | None = None, **kwargs: Any) -> _Response:
        kwargs.pop("catch_response", None)
        stream = bool(kwargs.pop("stream", False))
        started = time.perf_counter()
        try:
            raw = self.session.request(
                method, self.base_url + url, timeout=self.timeout_s, stream=stream, **kwargs
            )
        except requests.RequestException as error:
            response = _Response(self, name or url, None, error)
        else:
            response = _Response(self, name or url, raw, None)
        response.request_meta["response_time"] = (time.perf_counter() - started) * 1000.0
        return response


@dataclass(kw_only=True)
class PreflightResult:
    fatal: str | None = None  # the one line that ends the run
    warnings: list[str] = field(default_factory=list)
    observed: list[Observed] = field(default_factory=list)


def _steps(adapter: Adapter, mix: list[str]) -> list[tuple[str, Callable[[], Any]]]:
    """The operations of the mix in an order that can work: stores first, deletes last."""
    ids: list[str] = []

    def create() -> None:
        created = adapter.create_memory(USER_ID, TEXT)
        ids.extend([created] if isinstance(created, str) else created or [])

    needs_id = {"get_memory", "delete_memory"} & set(mix)
    steps: dict[str, Callable[[], Any]] = {
        "create_memory": create,
        "create_memory_batch": lambda: adapter.create_memory_batch(USER_ID, [TEXT, TEXT]),
        "get_memory": lambda: adapter.get_memory(USER_ID, ids[0]) if ids else None,
        "list_memories": lambda: adapter.list_memories(USER_ID, LIST_LIMIT),
        "search": lambda: adapter.search(USER_ID, QUERY),
        "rag_query": lambda: adapter.rag_query(USER_ID, "What do I like to drink?"),
        "llm_chat": lambda: adapter.llm_chat([{"role": "user", "content": "Say OK."}]),
        "embed": lambda: adapter.embed([TEXT]),
        "delete_memory": lambda: adapter.delete_memory(USER_ID, ids[0]) if ids else None,
    }
    wanted = [op for op in steps if op in mix or (op == "create_memory" and needs_id)]
    result = [(op, steps[op]) for op in wanted]
    if needs_id:  # after the create: did it give the id get and delete need?
        at = wanted.index("create_memory") + 1
        result.insert(at, ("(ids)", lambda: None if ids else _NO_ID))
    return result


_NO_ID = object()


def run_preflight(scenario: Scenario, host: str) -> PreflightResult:
    """One request of each operation of ``scenario``'s mix against ``host``."""
    adapter_class = load_adapter_class(scenario.target, base_dir=Path(scenario.path).parent)
    client = PreflightClient(host, timeout_s=scenario.timeout_s)
    adapter = adapter_class(client, options=AdapterOptions.for_scenario(scenario))
    mix = [op for op, weight in scenario.mix.items() if weight > 0]
    result = PreflightResult(observed=client.observed)
    for operation, step in _steps(adapter, mix):
        seen = len(client.observed)
        try:
            outcome = step()
        except Exception as error:  # the adapter's own code failed: the load would fail the same way
            result.fatal = f"preflight: {operation}: the adapter raised {type(error).__name__}: {error}"
            return result
        if outcome is _NO_ID:
            result.warnings.append(
                "preflight: create_memory returned no memory id: get_memory and delete_memory will "
                "store a memory instead until one does (the report counts what ran)"
            )
        for observed in client.observed[seen:]:
            result.fatal = observed.fatal()
            hint = getattr(adapter, "auth_hint", "")  # e.g. "MEM0_API_KEY is not set"
            if result.fatal and observed.status in (401, 403) and hint:
                result.fatal += f" ({hint})"
            if result.fatal:
                return result
            if observed.failure:
                result.warnings.append(f"preflight: {observed.name}: {observed.failure[:MESSAGE_CHARS]}")
    return result
