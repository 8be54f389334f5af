"""Connection limits, on real sockets: the body limit (413), the header limit (431), and timeouts that
close idle keep-alive connections and half-sent requests, so held-open connections do not pile up."""
from __future__ import annotations

import json
import socket
import time
from urllib.parse import urlsplit

import psutil
import pytest
import requests

from memload.reference.http.limits import MAX_HEADER_BYTES

IDLE_S = 0.5
REQUEST_S = 1.0
BODY_LIMIT = 4000
CREATE = b"POST /v1/memories HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"


@pytest.fixture
def bounded(start_target):
    """A target with a small body limit and short timeouts."""
    return start_target("--max-body-bytes", str(BODY_LIMIT), "--idle-timeout-s", str(IDLE_S),
                        "--request-timeout-s", str(REQUEST_S))


def connect(target, timeout_s: float = 10.0) -> socket.socket:
    parts = urlsplit(target.url)
    return socket.create_connection((parts.hostname, parts.port), timeout=timeout_s)


def read_until_closed(conn: socket.socket) -> tuple[bytes, float]:
    """Everything the server sends until it closes the connection, and when it closed (monotonic s)."""
    received = b""
    while True:
        try:
            chunk = conn.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        received += chunk
    return received, time.monotonic()


def json_error(reply: bytes, status: int) -> dict:
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(f"HTTP/1.1 {status} ".encode()), reply[:200]
    assert b"Content-Type: application/json" in head and b"Connection: close" in head
    return json.loads(body)["error"]


def memory_body(size: int) -> bytes:
    """A create-memory body of exactly ``size`` bytes."""
    base = json.dumps({"user_id": "limits", "content": ""}).encode()
    return base.replace(b'"content": ""', b'"content": "' + b"a" * (size - len(base)) + b'"')


def test_body_at_the_limit_is_served_and_one_byte_more_is_413(bounded):
    assert bounded.post("/v1/memories", data=memory_body(BODY_LIMIT),
                        headers={"Content-Type": "application/json"}).status_code == 201
    response = bounded.post("/v1/memories", data=memory_body(BODY_LIMIT + 1), headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["type"] == "payload_too_large" and f"larger than {BODY_LIMIT} bytes" in error["message"]


def test_a_large_refused_body_still_gets_its_413(bounded):
    """requests sends the whole 10 MB body before it reads: the server reads and drops it, so the client sees
    the 413 rather than a connection reset."""
    response = requests.post(bounded.url + "/v1/embeddings", data=b"[" * 10_000_000, timeout=30)
    assert response.status_code == 413 and response.json()["error"]["type"] == "payload_too_large"


def test_chunked_bodies_are_limited_too(bounded):
    def chunks(total: int):
        body = memory_body(total)
        for start in range(0, total, 1000):
            yield body[start:start + 1000]

    headers = {"Content-Type": "application/json"}
    assert bounded.post("/v1/memories", data=chunks(BODY_LIMIT), headers=headers).status_code == 201
    response = bounded.post("/v1/memories", data=chunks(BODY_LIMIT * 3), headers=headers)
    assert response.status_code == 413 and response.json()["error"]["type"] == "payload_too_large"


def test_expect_100_continue(bounded):
    with connect(bounded) as conn:  # over the limit: 413 at once, the body is never sent
        conn.sendall(CREATE + f"Content-Length: {BODY_LIMIT + 1}\r\nExpect: 100-continue\r\n\r\n".encode())
        assert json_error(read_until_closed(conn)[0], 413)["type"] == "payload_too_large"
    body = memory_body(100)
    with connect(bounded) as conn:
        conn.sendall(CREATE + f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\n\r\n".encode())
        assert conn.recv(100).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
        conn.sendall(body)
        assert conn.recv(65536).startswith(b"HTTP/1.1 201 ")


def test_headers_over_the_limit_are_431(bounded):
    with connect(bounded) as conn:
        conn.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"X-Big: " + b"a" * MAX_HEADER_BYTES + b"\r\n\r\n")
        error = json_error(read_until_closed(conn)[0], 431)
    assert error["type"] == "headers_too_large" and str(MAX_HEADER_BYTES) in error["message"]


def test_keep_alive_and_slow_but_steady_requests_are_served(bounded):
    body = memory_body(200)
    with connect(bounded) as conn:
        for _ in range(3):  # pauses shorter than the idle timeout keep the connection
            conn.sendall(CREATE + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            assert conn.recv(65536).startswith(b"HTTP/1.1 201 ")
            time.sleep(IDLE_S / 2)
        conn.sendall(CREATE)  # a request in three parts, each inside the idle timeout, all inside the request timeout
        time.sleep(IDLE_S / 2)
        conn.sendall(f"Content-Length: {len(body)}\r\n\r\n".encode() + body[:50])
        time.sleep(IDLE_S / 2)
        conn.sendall(body[50:])
        assert conn.recv(65536).startswith(b"HTTP/1.1 201 ")


def test_a_trickled_request_is_cut_off_by_the_request_timeout(bounded):
    """One byte every 0.3 s never trips the idle timeout; the request timeout ends it with a 408."""
    with connect(bounded) as conn:
        started = time.monotonic()
        conn.sendall(CREATE)
        with pytest.raises(OSError):  # the server closes; a send after that fails
            for byte in b"X-Slow: " + b"a" * 100:
                time.sleep(0.3)
                conn.sendall(bytes([byte]))
        reply, closed = read_until_closed(conn)
    assert REQUEST_S <= closed - started < REQUEST_S + 2.0
    assert json_error(reply, 408)["type"] == "request_timeout"


def test_idle_and_half_sent_connections_are_closed_and_their_fds_freed(start_target):
    """100 connections held open in five ways: each is closed after the idle timeout (waiting for a request) or
    the request timeout (half-sent requests, which get a 408 once the request line is in), none earlier, and the
    server's fd count is back where it was."""
    idle_s, request_s = 1.0, 2.0
    target = start_target("--idle-timeout-s", str(idle_s), "--request-timeout-s", str(request_s))
    server = psutil.Process(target.process.pid)
    port = urlsplit(target.url).port
    # warm up: the first write opens SQLite's WAL files, the first checkpoint (1 s later) gevent's thread pool
    assert target.post("/v1/memories", {"user_id": "warm-up", "content": "hello"}).status_code == 201
    target.session.close()  # the fixture's own keep-alive connection times out too
    time.sleep(idle_s + 0.5)
    baseline = server.num_fds()
    body = memory_body(200)
    openers = {
        "silent": b"",
        "after a request": CREATE + f"Content-Length: {len(body)}\r\n\r\n".encode() + body,
        "half a request line": b"POST /v1/memo",
        "half the headers": CREATE,
        "half a body": CREATE + f"Content-Length: {len(body)}\r\n\r\n".encode() + body[:50],
    }
    held = []
    for kind, opener in openers.items():
        for _ in range(20):
            conn = connect(target)
            conn.sendall(opener)
            held.append((kind, conn, time.monotonic()))
    time.sleep(0.2)
    established = [c for c in server.net_connections("tcp") if c.laddr.port == port and c.status == "ESTABLISHED"]
    assert len(established) == len(held)  # every one of them is open on the server
    assert server.num_fds() >= baseline + len(held)
    for kind, conn, opened in held:
        reply, closed = read_until_closed(conn)
        conn.close()
        timeout_s = idle_s if kind in ("silent", "after a request") else request_s
        assert timeout_s - 0.1 <= closed - opened < timeout_s + 1.5, kind
        if kind in ("half the headers", "half a body"):
            error = json_error(reply, 408)
            assert error["type"] == "request_timeout" and f"{request_s:g} s" in error["message"], kind
        elif kind == "after a request":
            assert reply.startswith(b"HTTP/1.1 201 ") and reply.count(b"HTTP/1.1") == 1
        else:
            assert reply == b"", kind
    deadline = time.monotonic() + 5
    while server.num_fds() > baseline and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server.num_fds() <= baseline
    assert "Traceback" not in target.stderr()


@pytest.mark.parametrize("request_bytes", [
    b"POST /v1/memories HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    b"POST /v1/memories HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
    b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    b"\x00\x01\x02 hello\r\n\r\n",
    b"GET /health HTTP/1.1\r\nno colon here\r\n\r\n",
    b"HEAD /health HTTP/1.1\r\nContent-Length: 4\r\n\r\nabcd",
], ids=["content-length", "chunk", "http2", "binary", "header", "head-body"])
def test_malformed_http_is_a_json_400(bounded, request_bytes):
    with connect(bounded) as conn:
        conn.sendall(request_bytes)
        assert json_error(read_until_closed(conn)[0], 400)["message"].startswith("malformed")
    assert bounded.get("/health").status_code == 200 and "Traceback" not in bounded.stderr()


def test_a_body_cut_short_is_a_json_400(bounded):
    with connect(bounded) as conn:
        conn.sendall(CREATE + b"Content-Length: 100\r\n\r\n" + b"{" * 50)
        conn.shutdown(socket.SHUT_WR)
        assert "ended after 50 of 100 bytes" in json_error(read_until_closed(conn)[0], 400)["message"]
    assert "Traceback" not in bounded.stderr()


def test_stop_with_connections_held_open(start_target):
    target = start_target()  # the default idle timeout: the connections are still open at the stop
    held = [connect(target) for _ in range(50)]
    for i, conn in enumerate(held):
        conn.sendall([b"", b"GET /hea", CREATE][i % 3])
    time.sleep(0.2)
    started = time.monotonic()
    assert target.stop() == 0
    assert time.monotonic() - started < 5
    for conn in held:
        conn.close()


def test_a_client_that_stops_reading_is_dropped(start_target, user_id):
    """A 6.5 MB answer to a client that reads nothing: the send stalls, and the idle timeout ends it."""
    target = start_target("--max-body-bytes", "8000000", "--idle-timeout-s", str(IDLE_S))
    items = [{"user_id": user_id, "content": "a" * 65_000} for _ in range(100)]
    assert target.post("/v1/memories/batch", {"items": items}).status_code == 201
    target.session.close()
    server = psutil.Process(target.process.pid)
    port = urlsplit(target.url).port

    def server_side() -> list:
        return [c for c in server.net_connections("tcp") if c.laddr.port == port and c.status == "ESTABLISHED"]

    with connect(target) as conn:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        conn.sendall(f"GET /v1/memories?user_id={user_id}&limit=100 HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        time.sleep(0.2)
        assert len(server_side()) == 1  # sending, stalled on the full window
        time.sleep(IDLE_S + 0.5)
        assert server_side() == []  # the server gave up on the stalled send and closed its end
    assert target.get("/health").status_code == 200
    assert "Traceback" not in target.stderr()
