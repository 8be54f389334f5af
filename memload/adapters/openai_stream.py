"""Reading an OpenAI-style chat completion: the Server-Sent Events stream, timed chunk by chunk,
or a non-streamed JSON body; the figures of one request (``StreamStats``).

Definitions (also in every report, memload.analysis.figures.llm.DEFINITIONS), from the request's
start (the scheduled start in an open-model run):
- a *token chunk* is a chunk whose ``choices[0].delta`` has non-empty ``content`` (a content
  token) or ``reasoning_content`` / ``reasoning`` (a reasoning token: DeepSeek, vLLM's reasoning
  parsers, OpenRouter, Ollama);
- ``ttft_ms``: to the first token chunk of any kind; ``ttfot_ms``: to the first content chunk;
- ``e2e_ms``: to ``data: [DONE]``, or to the connection's end after a ``finish_reason`` (several
  servers, llama.cpp before September 2024 among them, send no ``[DONE]``);
- ``itl_ms``: each gap between consecutive token chunks;
- ``output_tokens``: ``usage.completion_tokens`` when the server sends it (in a chunk of its own
  with empty ``choices`` as OpenAI and vLLM do, or in the finish chunk as llama.cpp does),
  otherwise the number of token chunks; ``reasoning_tokens`` likewise from
  ``usage.completion_tokens_details.reasoning_tokens`` or the reasoning chunks;
- ``tpot_ms``: (e2e − ttft) / (output_tokens − 1): all generated tokens over all generation time.

A stream that ends before any ``finish_reason`` is a failure of its own class (``stream cut: …``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from memload.adapters.calls import TIMEOUT_FAILURE, is_timeout

REASONING_FIELDS = ("reasoning_content", "reasoning")
STREAM_CUT = "stream cut: the connection closed before any finish_reason"
NO_FINISH = "stream cut: no finish_reason and no data: [DONE]"


@dataclass(kw_only=True)
class StreamStats:
    request_start_perf_s: float
    first_token_perf_s: float | None = None  # a content or reasoning token
    first_content_perf_s: float | None = None
    end_perf_s: float | None = None
    token_perf_s: list[float] = field(default_factory=list)  # every token chunk, in order
    content_chunks: int = 0
    reasoning_chunks: int = 0
    usage_tokens: int | None = None
    usage_reasoning_tokens: int | None = None
    finish_reason: str | None = None
    bytes_read: int = 0
    done: bool = False  # data: [DONE] was read
    streamed: bool = True  # False: a JSON answer (stream = false)
    error: str | None = None
    text_chars: int = 0
    model: str | None = None  # the model the request asked for
    cache: str | None = None  # the server's X-Cache header, lower case (hit, miss, bypass)

    @property
    def content_perf_s(self) -> list[float]:  # kept for adapters written before reasoning tokens
        return self.token_perf_s

    def _since_start_ms(self, perf_s: float | None) -> float | None:
        return None if perf_s is None else (perf_s - self.request_start_perf_s) * 1000.0

    @property
    def ttft_ms(self) -> float | None:
        return self._since_start_ms(self.first_token_perf_s)

    @property
    def ttfot_ms(self) -> float | None:
        return self._since_start_ms(self.first_content_perf_s)

    @property
    def e2e_ms(self) -> float:
        end = self.end_perf_s if self.end_perf_s is not None else time.perf_counter()
        return (end - self.request_start_perf_s) * 1000.0

    @property
    def itl_ms(self) -> list[float]:
        times = self.token_perf_s
        return [(b - a) * 1000.0 for a, b in zip(times, times[1:])]

    @property
    def output_tokens(self) -> int:
        if self.usage_tokens is not None:
            return self.usage_tokens
        return self.content_chunks + self.reasoning_chunks

    @property
    def reasoning_tokens(self) -> int:
        if self.usage_reasoning_tokens is not None:
            return self.usage_reasoning_tokens
        return self.reasoning_chunks

    @property
    def tokens_source(self) -> str:
        if self.usage_tokens is not None:
            return "usage"
        return "chunks" if self.streamed else "none"

    @property
    def tpot_ms(self) -> float | None:
        ttft = self.ttft_ms
        if ttft is None or self.output_tokens < 2:
            return None
        return (self.e2e_ms - ttft) / (self.output_tokens - 1)

    def as_dict(self) -> dict[str, object]:
        return {
            "ttft_ms": self.ttft_ms,
            "ttfot_ms": self.ttfot_ms,
            "e2e_ms": self.e2e_ms,
            "tpot_ms": self.tpot_ms,
            "itl_ms": self.itl_ms,
            "output_tokens": self.output_tokens,
            "reasoning_tokens": self.reasoning_tokens,
            "tokens_source": self.tokens_source,
            "streamed": self.streamed,
            "model": self.model,
            "cache": self.cache,
        }


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


def read_chat_stream(
    read_line: Callable[[], bytes], *, request_start_perf_s: float, stats: StreamStats | None = None
) -> StreamStats:
    """Consume a chat completion stream, timing every token chunk."""
    stats = stats or StreamStats(request_start_perf_s=request_start_perf_s)
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
        if stats.finish_reason is None:
            stats.error = TIMEOUT_FAILURE if is_timeout(error) else f"{STREAM_CUT} ({type(error).__name__})"
    stats.end_perf_s = time.perf_counter()
    if not stats.done and stats.error is None and stats.finish_reason is None:
        stats.error = STREAM_CUT if stats.token_perf_s else NO_FINISH
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
    take_usage(stats, chunk.get("usage"))
    choices = chunk.get("choices") or []
    choice = choices[0] if choices and isinstance(choices[0], dict) else {}
    delta = choice.get("delta") or {}
    if not isinstance(delta, dict):
        return
    content = delta.get("content")
    reasoning = next((delta[f] for f in REASONING_FIELDS if isinstance(delta.get(f), str) and delta[f]), None)
    if reasoning:
        stats.reasoning_chunks += 1
    if isinstance(content, str) and content:
        stats.content_chunks += 1
        stats.text_chars += len(content)
        if stats.first_content_perf_s is None:
            stats.first_content_perf_s = now
    if reasoning or (isinstance(content, str) and content):
        if stats.first_token_perf_s is None:
            stats.first_token_perf_s = now
        stats.token_perf_s.append(now)
    if choice.get("finish_reason"):
        stats.finish_reason = str(choice["finish_reason"])


def take_usage(stats: StreamStats, usage: Any) -> None:
    """Completion (and reasoning) tokens from a ``usage`` object, when it has them."""
    if not isinstance(usage, dict) or not isinstance(usage.get("completion_tokens"), int):
        return
    stats.usage_tokens = usage["completion_tokens"]
    details = usage.get("completion_tokens_details")
    if isinstance(details, dict) and isinstance(details.get("reasoning_tokens"), int):
        stats.usage_reasoning_tokens = details["reasoning_tokens"]


def read_chat_json(stats: StreamStats, body: Any) -> None:
    """A non-streamed chat completion: tokens from its ``usage``, its finish_reason, or an error."""
    if not isinstance(body, dict) or not isinstance(body.get("choices"), list):
        stats.error = "chat completion body has no choices"
        return
    take_usage(stats, body.get("usage"))
    choice = body["choices"][0] if body["choices"] and isinstance(body["choices"][0], dict) else {}
    if choice.get("finish_reason"):
        stats.finish_reason = str(choice["finish_reason"])
    message = choice.get("message") or {}
    if isinstance(message, dict) and isinstance(message.get("content"), str):
        stats.text_chars = len(message["content"])
