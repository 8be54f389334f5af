"""Request headers read without the ``email`` package (which took about a tenth of the target's
CPU time under load), with a limit on their total size."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from memload.reference.http.limits import MAX_HEADER_BYTES

MAX_HEADERS = 100
HEADERS_TOO_LARGE = "Request header fields too large"


class RequestHeaders:
    """Just enough of ``http.client.HTTPMessage`` for pywsgi: ``get``, ``del``, ``headers``."""

    def __init__(self, pairs: list[tuple[str, str]], status: str = "") -> None:
        self.pairs = pairs
        self.status = status  # non-empty: the headers were malformed or too large
        self._first: dict[str, str] = {}  # lower-cased name -> first value: pywsgi asks a dozen times
        for key, value in reversed(pairs):
            self._first[key.lower()] = value

    def get(self, name: str, default: str | None = None) -> str | None:
        return self._first.get(name.lower(), default)

    getheader = get

    def __delitem__(self, name: str) -> None:
        wanted = name.lower()
        self.pairs = [(k, v) for k, v in self.pairs if k.lower() != wanted]
        self._first.pop(wanted, None)

    @property
    def headers(self) -> Iterator[str]:
        for key, value in self.pairs:
            yield f"{key}: {value}\r\n"

    @property
    def typeheader(self) -> str | None:
        return self.get("content-type")


def read_headers(rfile: BinaryIO, max_bytes: int = MAX_HEADER_BYTES) -> RequestHeaders:
    """Header lines up to the blank line, at most ``max_bytes`` of them in all; folded
    continuation lines join the previous value."""
    pairs: list[tuple[str, str]] = []
    left = max_bytes
    while True:
        line = rfile.readline(left + 1)
        left -= len(line)
        if left < 0:
            return RequestHeaders(pairs, HEADERS_TOO_LARGE)
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
