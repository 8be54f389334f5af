"""A Server-Sent Events reader for OpenAI-style streaming chat completions, timing each chunk.

Definitions (shared/design.md): ``ttft_ms`` from request start to the first chunk whose
``choices[0].delta.content`` is non-empty; ``e2e_ms`` to ``data: [DONE]`` or the connection's end;
``itl_ms`` each gap between consecutive content chunks after the first; ``output_tokens`` from the
final ``usage`` chunk when sent, otherwise the number of content chunks.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field


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
