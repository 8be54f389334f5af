"""OpenAI-compatible servers that behave as real ones do, on a free loopback port, for the adapter
tests. Each kind is served under its own base URL, ``<url>/<kind>/v1`` (the OpenAI SDK's
convention), and sends what tests/helpers/llm_streams.py says that server sends, paced: the first
event after ``FIRST_S``, the next ones ``GAP_S`` apart, then the connection closes.

- ``vllm``: vLLM's stream (usage chunk with empty choices, [DONE]);
- ``llamacpp``: llama.cpp server before PR #9459: usage in the finish chunk, no [DONE];
- ``reasoning``: vLLM with a reasoning parser: reasoning_content chunks, then content;
- ``cut``: content, then the connection closes with no finish_reason;
- ``jsononly``: a server that ignores ``stream`` and answers application/json (the chat completion
  object of the OpenAI API reference, usage included), as to a non-streamed request;
- ``ratelimited``: the first chat request of each run gets 429 with ``Retry-After: 1`` (as OpenAI
  and LiteLLM's proxy send it; read as openai-python's _base_client reads it), the next ones vLLM's
  stream; embeddings answer the OpenAI embeddings object.
Every request is kept (path, body) so tests can check what the adapter sent.
"""
from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self

from llm_streams import cut_stream, llamacpp_stream, reasoning_stream, vllm_stream

FIRST_S = 0.10
GAP_S = 0.02
WORDS = ["The", " answer", " is", " forty", "-two", "."]
THOUGHTS = ["Let", " me", " think"]
STREAMS = {
    "vllm": lambda: vllm_stream(WORDS),
    "llamacpp": lambda: llamacpp_stream(WORDS),
    "reasoning": lambda: reasoning_stream(THOUGHTS, WORDS, usage_reasoning=len(THOUGHTS)),
    "cut": lambda: cut_stream(WORDS[:3]),
    "ratelimited": lambda: vllm_stream(WORDS),
}


def completion(words: list[str]) -> dict:
    return {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "m",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "".join(words)},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 7, "completion_tokens": len(words), "total_tokens": 7 + len(words)}}


class FakeOpenAIServers:
    def __init__(self) -> None:
        self.requests: list[tuple[str, object]] = []
        self.rate_limited = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"  # the connection's end ends each answer

            def log_message(self, *args: object) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"null")
                fake.requests.append((self.path, body))
                kind, _, endpoint = self.path.strip("/").partition("/v1/")
                if endpoint == "embeddings":
                    inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
                    data = [{"object": "embedding", "index": i, "embedding": [0.0, 1.0]} for i in range(len(inputs))]
                    return self._json(200, {"object": "list", "data": data, "model": "e",
                                            "usage": {"prompt_tokens": 1, "total_tokens": 1}})
                if kind == "ratelimited" and fake.rate_limited == 0:
                    fake.rate_limited += 1
                    return self._json(429, {"error": {"message": "Rate limit reached", "type": "requests"}},
                                      {"Retry-After": "1"})
                if kind == "jsononly" or not body.get("stream"):
                    time.sleep(FIRST_S)
                    return self._json(200, completion(WORDS))
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream; charset=utf-8")
                self.end_headers()
                for i, event in enumerate(STREAMS[kind]()):
                    time.sleep(FIRST_S if i == 0 else GAP_S)
                    self.wfile.write(event)
                    self.wfile.flush()

            def _json(self, status: int, payload: object, headers: dict | None = None) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
