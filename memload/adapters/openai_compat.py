"""OpenAI-compatible chat completions and embeddings: what the reference and openai adapters (and
any adapter of a service with that API) share: the request bodies, the streamed request, the
Server-Sent Events reader that times each chunk, and token counting.

Definitions (shared/design.md): ``ttft_ms`` from request start (the scheduled start in an open-model
run) to the first chunk whose ``choices[0].delta.content`` is non-empty; ``e2e_ms`` to
``data: [DONE]`` or the connection's end; ``itl_ms`` each gap between consecutive content chunks
after the first; ``tpot_ms`` (e2e - ttft) / (output_tokens - 1); ``output_tokens`` from the final
``usage`` chunk when sent (``stream_options.include_usage``), otherwise the number of content chunks.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from memload.adapters.calls import add_context, measure_from_schedule, scheduled_start_perf_s, status_failure

if TYPE_CHECKING:
    from memload.adapters.base import Adapter, AdapterOptions


@dataclass(kw_only=True)
class StreamStats:
    request_start_perf_s: float
    first_content_perf_s: float | None = None
    end_perf_s: float | None = None
    content_perf_s: list[float] = field(default_factory=list)
    usage_tokens: int | None = None
    bytes_read: int = 0
    done: bool = False
    error: str | None = None
    text_chars: int = 0

    @property
    def ttft_ms(self) -> float | None:
        if self.first_content_perf_s is None:
            return None
        return (self.first_content_perf_s - self.request_start_perf_s) * 1000.0

    @property
    def e2e_ms(self) -> float:
        end = self.end_perf_s if self.end_perf_s is not None else time.perf_counter()
        return (end - self.request_start_perf_s) * 1000.0

    @property
    def itl_ms(self) -> list[float]:
        times = self.content_perf_s
        return [(b - a) * 1000.0 for a, b in zip(times, times[1:])]

    @property
    def output_tokens(self) -> int:
        return self.usage_tokens if self.usage_tokens is not None else len(self.content_perf_s)

    @property
    def tokens_source(self) -> str:
        return "usage" if self.usage_tokens is not None else "chunks"

    @property
    def tpot_ms(self) -> float | None:
        ttft = self.ttft_ms
        if ttft is None or self.output_tokens < 2:
            return None
        return (self.e2e_ms - ttft) / (self.output_tokens - 1)

    def as_dict(self) -> dict[str, object]:
        return {
            "ttft_ms": self.ttft_ms,
            "e2e_ms": self.e2e_ms,
            "tpot_ms": self.tpot_ms,
            "itl_ms": self.itl_ms,
            "output_tokens": self.output_tokens,
            "tokens_source": self.tokens_source,
        }


def chat_body(options: AdapterOptions, messages: list[dict[str, str]]) -> dict[str, Any]:
    """A chat completion request; streamed ones ask for the final ``usage`` chunk."""
    body: dict[str, Any] = {
        "model": options.model,
        "messages": messages,
        "max_tokens": options.max_tokens,
        "temperature": options.temperature,
        "stream": options.stream,
    }
    if options.stream:
        body["stream_options"] = {"include_usage": True}
    return body


def embed_body(options: AdapterOptions, texts: list[str]) -> dict[str, Any]:
    return {"model": options.embed_model, "input": texts if len(texts) > 1 else texts[0]}


def chat(adapter: Adapter, messages: list[dict[str, str]], *, path: str) -> StreamStats | None:
    """A chat completion named ``llm_chat``, streamed (with usage) or not as the scenario says."""
    body = chat_body(adapter.options, messages)
    if adapter.options.stream:
        return stream_chat(adapter, path, body, operation="llm_chat")
    adapter.call_json("POST", path, operation="llm_chat", body=body)
    return None


def embed(adapter: Adapter, texts: list[str], *, path: str) -> None:
    adapter.call_json("POST", path, operation="embed", body=embed_body(adapter.options, texts))


def stream_chat(adapter: Adapter, path: str, body: dict[str, Any], *, operation: str) -> StreamStats | None:
    """POST a streaming chat request; the request's time is the whole stream, and its LLM figures
    ride on the request event's context under ``"llm"``."""
    with adapter.client.request(
        "POST", path, name=operation, json=body, headers=adapter.headers, stream=True, catch_response=True
    ) as response:
        entered_perf_s = time.perf_counter()
        if response.status_code != 200:
            measure_from_schedule(response)
            response.failure(status_failure(response, (200,)))
            return None
        headers_ms = response.request_meta["response_time"]
        sent_perf_s = entered_perf_s - headers_ms / 1000.0
        scheduled_perf_s = scheduled_start_perf_s()
        start_perf_s = sent_perf_s if scheduled_perf_s is None else scheduled_perf_s
        if scheduled_perf_s is not None:
            add_context(response, queue_ms=max(0.0, (sent_perf_s - start_perf_s) * 1000.0))
        # Line by line: geventhttpclient's read(n) waits for n bytes, which would hide the
        # arrival time of each chunk; readline returns as soon as a line is there.
        read_line = response._response.readline
        stats = read_chat_stream(lambda: read_line(b"\n"), request_start_perf_s=start_perf_s)
        response.request_meta["response_time"] = stats.e2e_ms
        response.request_meta["response_length"] = stats.bytes_read
        add_context(response, llm=stats.as_dict())
        if stats.error:
            response.failure(stats.error)
        else:
            response.success()
        return stats


def iter_sse_data(read_line: Callable[[], bytes]) -> Iterator[tuple[str, int]]:
    """Yield (data, bytes read) for each SSE event; ``read_line`` returns b"" at the end."""
    data_lines: list[str] = []
    size = 0
    while True:
        raw = read_line()
        if not raw:
            if data_lines:
                yield "\n".join(data_lines), size
            return
        size += len(raw)
        line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        if not line:
            if data_lines:
                yield "\n".join(data_lines), size
                data_lines, size = [], 0
            continue
        if line.startswith("data:"):
            data_lines.append(line[5:].lstrip(" ") if line[5:6] == " " else line[5:])


def read_chat_stream(read_line: Callable[[], bytes], *, request_start_perf_s: float) -> StreamStats:
    """Consume a chat completion stream, timing every content chunk."""
    stats = StreamStats(request_start_perf_s=request_start_perf_s)
    try:
        for data, size in iter_sse_data(read_line):
            now = time.perf_counter()
            stats.bytes_read += size
            if data == "[DONE]":
                stats.done = True
                break
            _take_chunk(stats, data, now)
            if stats.error:
                break
    except Exception as error:  # a broken connection mid-stream is a failed request, not a crash
        stats.error = f"stream broken: {type(error).__name__}: {error}"
    stats.end_perf_s = time.perf_counter()
    if not stats.done and stats.error is None:
        stats.error = "stream ended without data: [DONE]"
    return stats


def _take_chunk(stats: StreamStats, data: str, now: float) -> None:
    try:
        chunk = json.loads(data)
    except ValueError:
        stats.error = f"chunk is not JSON: {data[:80]!r}"
        return
    if not isinstance(chunk, dict):
        stats.error = f"chunk is not an object: {data[:80]!r}"
        return
    if "error" in chunk:
        stats.error = f"error in stream: {str(chunk['error'])[:120]}"
        return
    usage = chunk.get("usage")
    if isinstance(usage, dict) and isinstance(usage.get("completion_tokens"), int):
        stats.usage_tokens = usage["completion_tokens"]
    choices = chunk.get("choices") or []
    content = (
        (choices[0].get("delta") or {}).get("content") if choices and isinstance(choices[0], dict) else None
    )
    if content:
        if stats.first_content_perf_s is None:
            stats.first_content_perf_s = now
        stats.content_perf_s.append(now)
        stats.text_chars += len(content)
