"""A trivial HTTP target for harness benchmarks: a bare asyncio protocol answering every request
with a precomputed JSON response (201 for POST /v1/memories), so that the server does almost no
work (tens of microseconds a request, no HTTP framework) and what is measured is the load
generator. HTTP/1.1 keep-alive, Content-Length bodies only: enough for Locust's FastHttpUser.
Prints its URL as the first line, like `memload serve`.

    python benchmarks/trivial_target.py [--port 0] [--results N] [--content-chars C]

``--results``/``--content-chars`` size the body: a search answer of N results of C characters
each, which the client has to read and parse (0 results: a ~30-byte body).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import socket

HEADER_END = b"\r\n\r\n"


def http_response(status: str, body: bytes) -> bytes:
    head = (f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"Connection: keep-alive\r\n\r\n")
    return head.encode("ascii") + body


def content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return 0


class TrivialProtocol(asyncio.Protocol):
    def __init__(self, search_answer: bytes, created_answer: bytes) -> None:
        self.search_answer = search_answer
        self.created_answer = created_answer
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(HEADER_END)
            if end < 0:
                return
            head = self.buffer[:end]
            request_size = end + len(HEADER_END) + content_length(head)
            if len(self.buffer) < request_size:
                return
            self.buffer = self.buffer[request_size:]
            created = head.startswith(b"POST /v1/memories ")
            self.transport.write(self.created_answer if created else self.search_answer)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--results", type=int, default=0)
    parser.add_argument("--content-chars", type=int, default=200)
    args = parser.parse_args()
    results = [{"id": f"m-{i}", "content": "x" * args.content_chars, "score": 0.5} for i in range(args.results)]
    search_answer = http_response("200 OK", json.dumps({"results": results, "id": "m-1"}).encode())
    created = {"id": "m-1", "user_id": "u", "namespace": "default", "created_at": "now"}
    created_answer = http_response("201 Created", json.dumps(created).encode())
    try:
        asyncio.run(serve(args.port, search_answer, created_answer))
    except KeyboardInterrupt:
        pass


async def serve(port: int, search_answer: bytes, created_answer: bytes) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: TrivialProtocol(search_answer, created_answer), "127.0.0.1", port)
    print(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    main()
