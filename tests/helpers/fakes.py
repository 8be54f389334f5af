"""Small fakes of third-party APIs (mem0's REST server), served on loopback for adapter tests.
They record every request so tests can check the HTTP shape the adapter sent."""
from __future__ import annotations

import json
import socket
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class FakeMem0:
    """mem0/server/main.py's routes: POST /memories, GET /memories, GET|DELETE /memories/{id}, POST /search."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict, object]] = []  # method, path, query, body
        self.memories: dict[str, dict] = {}
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def setup(self) -> None:
                super().setup()  # without TCP_NODELAY every keep-alive reply waits ~40 ms (Nagle)
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _body(self) -> object:
                length = int(self.headers.get("Content-Length") or 0)
                return json.loads(self.rfile.read(length)) if length else None

            def _reply(self, status: int, payload: object) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self, method: str) -> None:
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                body = self._body() if method == "POST" else None
                with fake.lock:
                    fake.requests.append((method, url.path, query, body))
                    status, payload = fake.route(method, url.path, query, body)
                self._reply(status, payload)

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

            def do_DELETE(self) -> None:
                self._handle("DELETE")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def route(self, method: str, path: str, query: dict, body: object) -> tuple[int, object]:
        if method == "POST" and path == "/memories":
            memory_id = str(uuid.uuid4())
            text = body["messages"][0]["content"]
            self.memories[memory_id] = {"id": memory_id, "memory": text, "user_id": body["user_id"]}
            return 200, {"results": [{"id": memory_id, "memory": text, "event": "ADD"}]}
        if method == "GET" and path == "/memories":
            mine = [m for m in self.memories.values() if m["user_id"] == query.get("user_id")]
            return 200, {"results": mine}
        if path.startswith("/memories/"):
            memory_id = path.rsplit("/", 1)[1]
            if memory_id not in self.memories:
                return 404, {"detail": "not found"}
            if method == "DELETE":
                del self.memories[memory_id]
                return 200, {"message": "Memory deleted successfully"}
            return 200, self.memories[memory_id]
        if method == "POST" and path == "/search":
            words = set(body["query"].lower().split())
            hits = [dict(m, score=len(words & set(m["memory"].lower().split())))
                    for m in self.memories.values() if m["user_id"] == body.get("user_id")]
            return 200, {"results": sorted(hits, key=lambda m: -m["score"])[:10]}
        if method == "GET" and path == "/":
            return 200, {"docs": "/docs"}
        return 404, {"detail": "Not Found"}

    def __enter__(self) -> "FakeMem0":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
