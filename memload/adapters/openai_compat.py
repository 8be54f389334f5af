"""OpenAI-compatible chat completions and embeddings: what the reference and openai adapters (and
any adapter of a service with that API) share: the request bodies, the streamed and non-streamed
requests, the model of the request, and a 429's Retry-After. Reading a stream and the definitions
of the figures are in memload.adapters.openai_stream.

The model: a scenario's ``[llm] models`` mix draws one per chat request (memload.locustfiles.llm)
and hands it over with ``using_model``, a context variable like the scheduled start of
memload.adapters.calls, so that the adapter contract (``llm_chat(messages)``) stays as it is.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from memload.adapters import rate_limits
from memload.adapters.calls import add_context, scheduled_start_perf_s
from memload.adapters.openai_stream import (
    StreamStats,
    iter_sse_data,
    read_chat_json,
    read_chat_stream,
)

if TYPE_CHECKING:
    from memload.adapters.base import Adapter, AdapterOptions

__all__ = ["StreamStats", "chat", "chat_body", "embed", "embed_body", "iter_sse_data", "read_chat_stream"]

EVENT_STREAM = "text/event-stream"

_MODEL: ContextVar[str | None] = ContextVar("memload_llm_model", default=None)


@contextmanager
def using_model(model: str | None) -> Iterator[None]:
    """Chat requests made inside ask for ``model`` (None: the scenario's ``[llm] model``)."""
    token = _MODEL.set(model)
    try:
        yield
    finally:
        _MODEL.reset(token)


def current_model(options: AdapterOptions) -> str:
    return _MODEL.get() or options.model


def chat_body(options: AdapterOptions, messages: list[dict[str, str]]) -> dict[str, Any]:
    """A chat completion request; streamed ones ask for the final ``usage`` chunk."""
    body: dict[str, Any] = {
        "model": current_model(options),
        "messages": messages,
        "temperature": options.temperature,
        "stream": options.stream,
    }
    if options.max_completion_tokens is not None:  # OpenAI's newer name; reasoning models want it
        body["max_completion_tokens"] = options.max_completion_tokens
    else:
        body["max_tokens"] = options.max_tokens
    if options.ignore_eos:  # vLLM's extension: generate exactly the limit, whatever the model says
        body["ignore_eos"] = True
    if options.stream:
        body["stream_options"] = {"include_usage": True}
    return body


def embed_body(options: AdapterOptions, texts: list[str]) -> dict[str, Any]:
    return {"model": options.embed_model, "input": texts if len(texts) > 1 else texts[0]}


def chat(adapter: Adapter, messages: list[dict[str, str]], *, path: str) -> StreamStats | None:
    """A chat completion named ``llm_chat``, streamed (with usage) or not as the scenario says;
    either way its LLM figures ride on the request event's context under ``"llm"``."""
    body = chat_body(adapter.options, messages)
    if adapter.options.stream:
        return stream_chat(adapter, path, body, operation="llm_chat")
    return json_chat(adapter, path, body, operation="llm_chat")


def embed(adapter: Adapter, texts: list[str], *, path: str) -> None:
    """One embeddings request for ``texts`` (a batch); the number of texts rides on its context."""
    adapter.call_json(
        "POST", path, operation="embed", body=embed_body(adapter.options, texts), context={"docs": len(texts)}
    )


def _start(response: Any) -> tuple[float, float]:
    """(when the request started, when it was sent): the scheduled start in the open model."""
    headers_ms = response.request_meta["response_time"]
    sent_perf_s = time.perf_counter() - headers_ms / 1000.0
    scheduled_perf_s = scheduled_start_perf_s()
    start_perf_s = sent_perf_s if scheduled_perf_s is None else scheduled_perf_s
    if scheduled_perf_s is not None:
        add_context(response, queue_ms=max(0.0, (sent_perf_s - start_perf_s) * 1000.0))
    return start_perf_s, sent_perf_s


def _header(response: Any, name: str) -> str:
    headers = getattr(response, "headers", None)
    value = headers.get(name) if headers is not None else None
    return str(value) if value is not None else ""


def _finish(response: Any, stats: StreamStats) -> StreamStats:
    response.request_meta["response_time"] = stats.e2e_ms
    add_context(response, llm=stats.as_dict())
    if stats.error:
        response.failure(stats.error)
    else:
        response.success()
    return stats


def _new_stats(response: Any, body: dict[str, Any], start_perf_s: float, *, streamed: bool) -> StreamStats:
    return StreamStats(
        request_start_perf_s=start_perf_s,
        streamed=streamed,
        model=str(body.get("model") or "") or None,
        cache=_header(response, "X-Cache").lower() or None,
    )


def stream_chat(adapter: Adapter, path: str, body: dict[str, Any], *, operation: str) -> StreamStats | None:
    """POST a streaming chat request; the request's time is the whole stream. An answer that is
    not an event stream (a server that ignores ``stream``) is a failure that says so."""
    return _chat_request(adapter, path, body, operation=operation, streamed=True)


def json_chat(adapter: Adapter, path: str, body: dict[str, Any], *, operation: str) -> StreamStats | None:
    """POST a non-streamed chat request: e2e is the whole answer, tokens come from its ``usage``."""
    return _chat_request(adapter, path, body, operation=operation, streamed=False)


def _chat_request(
    adapter: Adapter, path: str, body: dict[str, Any], *, operation: str, streamed: bool
) -> StreamStats | None:
    with adapter.client.request(
        "POST", path, name=operation, json=body, headers=adapter.headers, stream=streamed, catch_response=True
    ) as response:
        if response.status_code == 200:
            return (_read_stream if streamed else _read_json)(response, body)
        wait_s = rate_limits.failed_status(adapter, response)
    rate_limits.wait(wait_s)
    return None


def _read_stream(response: Any, body: dict[str, Any]) -> StreamStats | None:
    start_perf_s, _ = _start(response)
    stats = _new_stats(response, body, start_perf_s, streamed=True)
    content_type = _header(response, "Content-Type").split(";")[0].strip().lower()
    if content_type != EVENT_STREAM:
        stats.bytes_read = len(response.content or b"")
        stats.end_perf_s = time.perf_counter()
        stats.error = f"expected {EVENT_STREAM}, got {content_type or 'no Content-Type'}"
        response.request_meta["response_length"] = stats.bytes_read
        response.request_meta["response_time"] = stats.e2e_ms
        response.failure(stats.error)
        return None
    # Line by line: geventhttpclient's read(n) waits for n bytes, which would hide the
    # arrival time of each chunk; readline returns as soon as a line is there.
    read_line = response._response.readline
    read_chat_stream(lambda: read_line(b"\n"), request_start_perf_s=start_perf_s, stats=stats)
    response.request_meta["response_length"] = stats.bytes_read
    return _finish(response, stats)


def _read_json(response: Any, body: dict[str, Any]) -> StreamStats:
    start_perf_s, _ = _start(response)
    stats = _new_stats(response, body, start_perf_s, streamed=False)
    stats.end_perf_s = time.perf_counter()
    stats.bytes_read = len(response.content or b"")
    try:
        read_chat_json(stats, json.loads(response.content or b""))
    except ValueError:
        stats.error = "HTTP 200: body is not JSON"
    return _finish(response, stats)
