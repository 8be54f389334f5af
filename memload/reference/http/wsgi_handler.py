"""A leaner, bounded request handler for gevent's WSGI server.

Leaner, each change falling back to gevent's own behaviour if a future gevent stops calling the
hook it overrides:

- request headers are parsed by a small reader (``headers.py``) instead of the ``email`` package;
- the status line and headers go out in the same ``send`` as the first body chunk, so a small
  response is one TCP segment and one wake-up of the client instead of two;
- the access log line is only formatted when request logging is on.

Bounded (``ConnectionLimits``): a connection that waits longer than the idle timeout for the
first byte of its next request, or to send, is closed; once the first byte of a request arrives,
its line, headers and body must all arrive within the request timeout (a 408 otherwise). The
server's ``Deadlines`` enforce both with one timer for all connections. The body is read here,
before the application runs, up to the body limit (a 413 above it), so the application only ever
reads a complete body from memory. Errors found here answer the service's JSON error shape and
close the connection.
"""

from __future__ import annotations

import io
import json
import time
from typing import Any

from gevent import Timeout, getcurrent
from gevent.pywsgi import MAX_REQUEST_LINE, Input, WSGIHandler

from memload.reference.http.deadlines import NEVER, Deadlines
from memload.reference.http.headers import HEADERS_TOO_LARGE, RequestHeaders, read_headers
from memload.reference.http.limits import MAX_HEADER_BYTES, MIB, ConnectionLimits

DEFAULT_LIMITS = ConnectionLimits()
_READ_INPUT = Input(io.BytesIO(b""), 0)
# A refused body of up to this many bytes is read and dropped, so that a client still sending
# it reads the 413 instead of a connection reset; a larger one is cut off.
MAX_DRAIN_BYTES = 64 * MIB
# A response goes out in slices of this size, each of which the client must take within the
# idle timeout.
SEND_SLICE_BYTES = 256 * 1024
_REASONS = {
    400: "Bad Request",
    408: "Request Timeout",
    413: "Content Too Large",
    431: "Request Header Fields Too Large",
}
_TYPES = {400: "invalid_request", 408: "request_timeout", 413: "payload_too_large", 431: "headers_too_large"}

__all__ = ["LeanWSGIHandler", "RequestHeaders", "read_headers"]


class IdleTimeout(TimeoutError):
    """Nothing arrived (or nothing could be sent) within the idle timeout."""


class RequestTimeout(TimeoutError):
    """A request's line, headers and body did not all arrive within the request timeout."""


class ClientError(Exception):
    """A request refused before the application sees it; ``drain`` bytes of body may follow."""

    def __init__(self, status: int, message: str, *, drain: int = 0) -> None:
        super().__init__(message)
        self.status, self.message, self.drain = status, message, drain


def error_response(status: int, message: str) -> bytes:
    """A complete HTTP response with the service's JSON error body; the connection closes after it."""
    error = {"error": {"type": _TYPES.get(status, "error"), "message": message}}
    body = json.dumps(error, separators=(",", ":")).encode()
    head = (
        f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


class LeanWSGIHandler(WSGIHandler):
    _hold_headers = False
    _held: bytes | None = None
    _body: bytes | None = None
    # While the handler waits on its client: when it gives up (time.monotonic()) and with what.
    expires_at = NEVER
    _expiry: type[TimeoutError] = IdleTimeout

    @property
    def limits(self) -> ConnectionLimits:
        return getattr(self.server, "limits", DEFAULT_LIMITS)

    def handle(self) -> None:
        self._greenlet = getcurrent()
        deadlines: Deadlines | None = getattr(self.server, "deadlines", None)
        if deadlines is not None:
            deadlines.add(self)
        try:
            super().handle()
        except OSError:  # the client left while an error answer was being sent
            pass
        finally:
            self.expires_at = NEVER
            if deadlines is not None:
                deadlines.discard(self)

    def _wait_at_most(self, seconds: float, expiry: type[TimeoutError]) -> None:
        self.expires_at = time.monotonic() + seconds
        self._expiry = expiry

    def expire(self) -> None:
        """Called by the hub when the deadline may have passed: end the wait with its error."""
        if self.expires_at <= time.monotonic() and not self._greenlet.dead:
            self.expires_at = NEVER
            self._greenlet.throw(self._expiry("timed out"))  # pywsgi reads args[0] of socket errors

    def read_requestline(self) -> str:
        """The request line. Its first byte may take up to the idle timeout; from then on the
        request timeout runs until the body is read."""
        limits = self.limits
        self._wait_at_most(limits.idle_timeout_s, IdleTimeout)
        if not self.rfile.peek(1):
            self.expires_at = NEVER
            return ""
        self._wait_at_most(limits.request_timeout_s, RequestTimeout)
        line = self.rfile.readline(MAX_REQUEST_LINE)
        if not line or len(line) >= MAX_REQUEST_LINE:  # gevent answers (or closes) without reading on
            self.expires_at = NEVER
        return line.decode("latin-1")

    def read_request(self, raw_requestline: str) -> bool:
        self._body = None
        try:
            super().read_request(raw_requestline)
            self._body = self._read_body()
        finally:
            self.expires_at = NEVER
        return True

    def MessageClass(self, rfile, *args) -> RequestHeaders:  # noqa: N802 - gevent's name
        headers = read_headers(rfile)
        if headers.status == HEADERS_TOO_LARGE:
            raise ClientError(431, f"request headers are larger than {MAX_HEADER_BYTES} bytes")
        return headers

    def _read_body(self) -> bytes | None:
        """The whole body (None without one), or a 413 when it is larger than the limit."""
        length = self.content_length  # None when chunked: gevent drops Content-Length then
        chunked = length is None and (self.headers.get("transfer-encoding") or "").lower() == "chunked"
        if length is None and not chunked:
            return None
        limit = self.limits.max_body_bytes
        too_large = f"request body is larger than {limit} bytes (memload serve --max-body-bytes)"
        continue_expected = (self.headers.get("expect") or "").lower() == "100-continue"
        if length is not None and length > limit:
            raise ClientError(413, too_large, drain=0 if continue_expected else length)
        if length is not None and not continue_expected:  # the common case, without gevent's Input
            body = self.rfile.read(length)
            if len(body) < length:
                raise ClientError(400, f"request body ended after {len(body)} of {length} bytes")
            return body
        sock = self.socket if continue_expected and self.request_version == "HTTP/1.1" else None
        body = Input(self.rfile, length, socket=sock, chunked_input=chunked).read(limit + 1)
        if len(body) > limit:
            raise ClientError(413, too_large)
        return body

    def get_environ(self) -> dict[str, Any]:
        environ = super().get_environ()
        if self._body is not None:  # the application reads the body that read_request read
            environ["wsgi.input"] = io.BytesIO(self._body)
            self.wsgi_input = _READ_INPUT  # nothing left for pywsgi to discard after the response
        return environ

    def _handle_client_error(self, ex: BaseException) -> tuple[str, bytes]:
        """A JSON 4xx for a request refused here, sent at once; the connection then closes."""
        drain = 0
        if isinstance(ex, ClientError):
            status, message, drain = ex.status, ex.message, ex.drain
        elif isinstance(ex, TimeoutError):
            status, message = 408, f"request not complete after {self.limits.request_timeout_s:g} s"
        elif isinstance(ex, OSError):  # a bad chunk, or the connection broke: nothing worth logging
            status, message = 400, f"malformed or incomplete HTTP request: {str(ex)[:200]}"
        else:
            super()._handle_client_error(ex)  # gevent logs it
            status, message = 400, f"malformed HTTP request: {str(ex)[:200] or type(ex).__name__}"
        self.close_connection = True
        self._send(error_response(status, message), raw=True)
        if drain:
            self._drain(drain)
        return str(status), b""

    def _drain(self, length: int) -> None:
        """Read and drop up to ``length`` bytes of a refused body, within the request timeout."""
        left = min(length, MAX_DRAIN_BYTES)
        with Timeout(self.limits.request_timeout_s, False):
            try:
                while left > 0:
                    chunk = self.rfile.read1(min(left, 65_536))
                    if not chunk:
                        break
                    left -= len(chunk)
            except OSError:  # the idle timeout, or the client is gone
                pass

    def handle_error(self, t, v, tb) -> None:
        if isinstance(v, TimeoutError):  # nothing could be sent for the idle timeout: drop the client
            self.close_connection = True
            return
        super().handle_error(t, v, tb)

    def _write_with_headers(self, data: bytes) -> None:
        self._hold_headers = True  # the next _sendall (status and headers) waits for the body
        try:
            super()._write_with_headers(data)
        finally:
            self._hold_headers = False
            held, self._held = self._held, None
            if held is not None:
                self._send(held)

    def _sendall(self, data: bytes) -> None:
        if self._hold_headers and self._held is None:
            self._hold_headers = False
            self._held = bytes(data)
            return
        if self._held is not None:
            data, self._held = self._held + bytes(data), None
        self._send(data)

    def _send(self, data: bytes, *, raw: bool = False) -> None:
        """Send all of ``data`` (``raw``: not part of the response), each ``SEND_SLICE_BYTES`` of
        it within the idle timeout."""
        idle_s = self.limits.idle_timeout_s
        view = memoryview(data)
        try:
            for start in range(0, len(view), SEND_SLICE_BYTES):
                self._wait_at_most(idle_s, IdleTimeout)
                part = view[start : start + SEND_SLICE_BYTES]
                if raw:
                    self.socket.sendall(part)
                else:
                    WSGIHandler._sendall(self, part)
        finally:
            self.expires_at = NEVER

    def log_request(self) -> None:
        if getattr(self.server, "log_requests", True):
            super().log_request()
