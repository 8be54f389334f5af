"""A leaner request handler for gevent's WSGI server.

Three changes to ``gevent.pywsgi.WSGIHandler``, each falling back to gevent's own behaviour if
a future gevent stops calling the hook it overrides:

- request headers are parsed by a small reader instead of the ``email`` package (which took
  about a tenth of the target's CPU time under load);
- the status line and headers go out in the same ``send`` as the first body chunk, so a small
  response is one TCP segment and one wake-up of the client instead of two;
- the access log line is only formatted when request logging is on.
"""

from __future__ import annotations

from collections.abc import Iterator

from gevent.pywsgi import WSGIHandler

MAX_HEADER_LINE_BYTES = 65_536
MAX_HEADERS = 100


class RequestHeaders:
    """Just enough of ``http.client.HTTPMessage`` for pywsgi: ``get``, ``del``, ``headers``."""

    def __init__(self, pairs: list[tuple[str, str]], status: str = "") -> None:
        self.pairs = pairs
        self.status = status  # non-empty: the headers were malformed; pywsgi answers 400

    def get(self, name: str, default: str | None = None) -> str | None:
        wanted = name.lower()
        for key, value in self.pairs:
            if key.lower() == wanted:
                return value
        return default

    getheader = get

    def __delitem__(self, name: str) -> None:
        wanted = name.lower()
        self.pairs = [(k, v) for k, v in self.pairs if k.lower() != wanted]

    @property
    def headers(self) -> Iterator[str]:
        for key, value in self.pairs:
            yield f"{key}: {value}\r\n"

    @property
    def typeheader(self) -> str | None:
        return self.get("content-type")


def read_headers(rfile) -> RequestHeaders:
    """Header lines up to the blank line; folded continuation lines join the previous value."""
    pairs: list[tuple[str, str]] = []
    while True:
        line = rfile.readline(MAX_HEADER_LINE_BYTES + 1)
        if len(line) > MAX_HEADER_LINE_BYTES:
            return RequestHeaders(pairs, "Line too long")
        if line in (b"\r\n", b"\n", b""):
            return RequestHeaders(pairs)
        text = line.decode("latin-1").rstrip("\r\n")
        if text[:1] in (" ", "\t") and pairs:
            key, value = pairs[-1]
            pairs[-1] = (key, f"{value} {text.strip()}")
            continue
        key, colon, value = text.partition(":")
        if not colon or not key or key != key.strip() or len(pairs) >= MAX_HEADERS:
            return RequestHeaders(pairs, "Invalid header line")
        pairs.append((key, value.strip()))


class LeanWSGIHandler(WSGIHandler):
    _hold_headers = False
    _held: bytes | None = None

    def MessageClass(self, rfile, *args) -> RequestHeaders:  # noqa: N802 - gevent's name
        return read_headers(rfile)

    def _write_with_headers(self, data: bytes) -> None:
        self._hold_headers = True  # the next _sendall (status and headers) waits for the body
        try:
            super()._write_with_headers(data)
        finally:
            self._hold_headers = False
            held, self._held = self._held, None
            if held is not None:
                super()._sendall(held)

    def _sendall(self, data: bytes) -> None:
        if self._hold_headers and self._held is None:
            self._hold_headers = False
            self._held = bytes(data)
            return
        if self._held is not None:
            data, self._held = self._held + bytes(data), None
        super()._sendall(data)

    def log_request(self) -> None:
        if getattr(self.server, "log_requests", True):
            super().log_request()
