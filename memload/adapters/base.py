"""The adapter contract: one class per kind of target holds every HTTP shape of that target.

An adapter is handed Locust's HTTP client and fires requests named by operation (``search``,
``create_memory`` …) so that Locust's statistics group by operation whatever the URL. It never
records figures itself: Locust's request event carries each request to whoever listens.

To add a target, write one small file with a subclass of ``Adapter`` that sets ``name`` and
``operations`` and implements those methods, then point a scenario at it with
``target = "my_adapter.py:MyAdapter"`` (a path relative to the scenario file) or
``target = "package.module:MyAdapter"``. See README, "Adding an adapter".
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from memload.adapters.sse import StreamStats, read_chat_stream

MAX_FAILURE_BODY_CHARS = 200


class HttpClient(Protocol):
    """What adapters need of Locust's FastHttpSession."""

    def request(self, method: str, url: str, **kwargs: Any) -> Any: ...


@dataclass(frozen=True, kw_only=True)
class AdapterOptions:
    model: str = "fast"
    embed_model: str = "fast"
    stream: bool = True
    max_tokens: int = 64
    temperature: float = 0.0
    top_k: int = 10
    namespace: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


class Adapter:
    """Base class: subclasses set ``name``/``operations`` and implement the operations they list."""

    name: ClassVar[str] = "base"
    operations: ClassVar[frozenset[str]] = frozenset()
    api_key_env: ClassVar[str | None] = None  # environment variable holding a bearer token

    # Open model: the time.perf_counter() at which this request was scheduled to start. Latency is
    # then measured from it, and the wait before sending is reported as queue_ms.
    scheduled_start_perf_s: float | None = None

    def __init__(self, client: HttpClient, *, options: AdapterOptions) -> None:
        self.client = client
        self.options = options
        self.headers = dict(options.headers)
        token = os.environ.get(self.api_key_env) if self.api_key_env else None
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    # Operations. Each returns what the simulated user needs to remember (ids), or None.
    def create_memory(self, user_id: str, content: str) -> str | None:
        raise NotImplementedError

    def create_memory_batch(self, user_id: str, contents: list[str]) -> list[str]:
        raise NotImplementedError

    def get_memory(self, user_id: str, memory_id: str) -> None:
        raise NotImplementedError

    def list_memories(self, user_id: str, limit: int) -> None:
        raise NotImplementedError

    def delete_memory(self, user_id: str, memory_id: str) -> bool:
        raise NotImplementedError

    def search(self, user_id: str, query: str) -> None:
        raise NotImplementedError

    def llm_chat(self, messages: list[dict[str, str]]) -> StreamStats | None:
        raise NotImplementedError

    def embed(self, texts: list[str]) -> None:
        raise NotImplementedError

    def rag_query(self, user_id: str, question: str) -> None:
        raise NotImplementedError

    # Helpers for subclasses.
    def call_json(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        body: Any = None,
        params: dict[str, Any] | None = None,
        expect: Iterable[int] = (200,),
    ) -> Any:
        """One request named ``operation``; a status not in ``expect`` or a non-JSON body fails it.
        Returns the decoded JSON body, or None when the request failed."""
        expected = tuple(expect)
        with self.client.request(
            method, path, name=operation, json=body, params=params, headers=self.headers, catch_response=True
        ) as response:
            self._measure_from_schedule(response)
            if response.status_code not in expected:
                response.failure(_status_failure(response, expected))
                return None
            if response.status_code == 204 or not response.content:
                response.success()
                return {}
            try:
                decoded = json.loads(response.content)
            except ValueError:
                response.failure(f"HTTP {response.status_code}: body is not JSON")
                return None
            response.success()
            return decoded

    def stream_chat(self, path: str, body: dict[str, Any], *, operation: str) -> StreamStats | None:
        """POST an OpenAI-style streaming chat request; the request's time is the whole stream,
        and its LLM figures ride on the request event's context under ``"llm"``."""
        with self.client.request(
            "POST", path, name=operation, json=body, headers=self.headers, stream=True, catch_response=True
        ) as response:
            entered_perf_s = time.perf_counter()
            if response.status_code != 200:
                response.failure(_status_failure(response, (200,)))
                return None
            headers_ms = response.request_meta["response_time"]
            sent_perf_s = entered_perf_s - headers_ms / 1000.0
            start_perf_s = sent_perf_s if self.scheduled_start_perf_s is None else self.scheduled_start_perf_s
            if self.scheduled_start_perf_s is not None:
                self._add_context(response, queue_ms=max(0.0, (sent_perf_s - start_perf_s) * 1000.0))
            # Line by line: geventhttpclient's read(n) waits for n bytes, which would hide the
            # arrival time of each chunk; readline returns as soon as a line is there.
            stats = read_chat_stream(
                lambda: response._response.readline(b"\n"), request_start_perf_s=start_perf_s
            )
            response.request_meta["response_time"] = stats.e2e_ms
            response.request_meta["response_length"] = stats.bytes_read
            self._add_context(response, llm=stats.as_dict())
            if stats.error:
                response.failure(stats.error)
            else:
                response.success()
            return stats

    def _measure_from_schedule(self, response: Any) -> None:
        """Open model: the request's time runs from its scheduled start, not from when it was sent."""
        if self.scheduled_start_perf_s is None:
            return
        total_ms = (time.perf_counter() - self.scheduled_start_perf_s) * 1000.0
        sent_ms = response.request_meta["response_time"]
        response.request_meta["response_time"] = max(total_ms, sent_ms)
        self._add_context(response, queue_ms=max(0.0, total_ms - sent_ms))

    @staticmethod
    def _add_context(response: Any, **values: Any) -> None:
        response.request_meta["context"] = {**(response.request_meta.get("context") or {}), **values}


def _status_failure(response: Any, expected: tuple[int, ...]) -> str:
    status = response.status_code
    if not status:
        return f"no response: {getattr(response, 'error', None) or 'connection failed'}"
    body = (response.text or "")[:MAX_FAILURE_BODY_CHARS] if response.content else ""
    return f"HTTP {status} (expected {'/'.join(map(str, expected))}): {body}".strip()
