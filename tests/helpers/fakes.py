"""Small fakes of third-party APIs (the notes service of docs/examples/; mem0's in mem0_doubles.py),
served on loopback for adapter tests. They record every request so tests can check the HTTP shape the
adapter sent."""

from __future__ import annotations

import json
import socket
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self
from urllib.parse import parse_qs, urlparse


JSON_NULL = object()  # a payload answered as the JSON body ``null`` (``None`` is an empty body)


class _Server(ThreadingHTTPServer):
    # With the default backlog (5), 20 users connecting at once lose SYNs and wait 1 s to retry.
    request_queue_size = 128


class FakeService:
    """A JSON API on a free loopback port; subclasses answer in ``route`` with (status, payload) or
    (status, payload, headers), and see the request's headers (lower-case names) in
    ``request_headers``. ``None`` as a payload is an empty body, ``JSON_NULL`` the body ``null``."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict, object]] = []  # method, path, query, body
        self.memories: dict[str, dict] = {}
        self.request_headers: dict[str, str] = {}
        self.sent_headers: list[dict[str, str]] = []  # the headers of every request, in order
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

            def _reply(self, status: int, payload: object, headers: dict[str, str]) -> None:
                data = b"" if payload is None else b"null" if payload is JSON_NULL else json.dumps(payload).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if data and "Content-Type" not in headers:
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
                    fake.request_headers = {k.lower(): v for k, v in self.headers.items()}
                    fake.sent_headers.append(fake.request_headers)
                    status, payload, *headers = fake.route(method, url.path, query, body)
                self._reply(status, payload, headers[0] if headers else {})

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

            def do_DELETE(self) -> None:
                self._handle("DELETE")

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def route(self, method: str, path: str, query: dict, body: object) -> tuple[int, object]:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class FakeNotes(FakeService):
    """The notes service of docs/examples/my_adapter.py: POST /notes, GET /notes, GET|DELETE
    /notes/{id}, POST /notes/search; a note is only its owner's."""

    def route(self, method: str, path: str, query: dict, body: object) -> tuple[int, object]:
        if path == "/":
            return 200, {"service": "notes"}
        if method == "POST" and path == "/notes" and isinstance(body, dict):
            note_id = str(uuid.uuid4())
            self.memories[note_id] = {"note_id": note_id, "owner": body["owner"], "text": body["text"]}
            return 201, {"note_id": note_id}
        if method == "GET" and path == "/notes":
            mine = [n for n in self.memories.values() if n["owner"] == query.get("owner")]
            return 200, {"notes": mine[: int(query.get("limit", 20))]}
        if method == "POST" and path == "/notes/search" and isinstance(body, dict):
            words = set(body["query"].lower().split())
            hits = [
                n
                for n in self.memories.values()
                if n["owner"] == body["owner"] and words & set(n["text"].lower().split())
            ]
            return 200, {"hits": hits[: body["limit"]]}
        note = self.memories.get(path.removeprefix("/notes/")) if path.startswith("/notes/") else None
        if note is None or note["owner"] != query.get("owner"):
            return 404, {"error": "no such note"}
        if method == "DELETE":
            del self.memories[note["note_id"]]
            return 204, None
        return 200, note
