"""Fixtures for the reference target: real `memload serve` subprocesses on free ports."""
from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

START_TIMEOUT_S = 30.0


@dataclass
class RunningTarget:
    url: str
    process: subprocess.Popen
    db_path: Path
    stderr_path: Path
    session: requests.Session = field(default_factory=requests.Session)

    def post(self, path: str, body: object = None, **kwargs) -> requests.Response:
        return self.session.post(self.url + path, json=body, timeout=30, **kwargs)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.session.get(self.url + path, timeout=30, **kwargs)

    def delete(self, path: str, **kwargs) -> requests.Response:
        return self.session.delete(self.url + path, timeout=30, **kwargs)

    def assert_error(self, path: str, body: object, status: int, field: str | None = None) -> dict:
        """POST ``body`` and check for a JSON error with ``status`` naming ``field``; the error."""
        response = self.post(path, body)
        assert response.status_code == status, response.text
        error = response.json()["error"]
        assert error["message"] and error.get("field") == field, error
        return error

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout_s: float = 15.0) -> int:
        """Send ``sig`` and return the exit status."""
        self.session.close()
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=timeout_s)
        finally:
            if self.process.stdout is not None:
                self.process.stdout.close()


def read_first_line(process: subprocess.Popen, timeout_s: float) -> str:
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if selector.select(timeout=0.2):
            return process.stdout.readline().decode().strip()
        if process.poll() is not None:
            break
    return ""


def launch(tmp_dir: Path, *args: str, db_path: Path | None = None, env: dict[str, str] | None = None) -> RunningTarget:
    """Start `python -m memload serve --port 0` with ``args``; wait for its URL on stdout."""
    db_path = db_path or tmp_dir / f"target-{uuid.uuid4().hex[:8]}.db"
    stderr_path = tmp_dir / f"stderr-{uuid.uuid4().hex[:8]}.log"
    argv = [sys.executable, "-m", "memload", "serve", "--port", "0", "--db", str(db_path), *args]
    with open(stderr_path, "wb") as stderr:
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=stderr, stdin=subprocess.DEVNULL,
                                   env={**os.environ, **(env or {})})
    url = read_first_line(process, START_TIMEOUT_S)
    if not url.startswith("http://127.0.0.1:"):
        process.kill()
        process.wait()
        raise AssertionError(f"target did not start (first line {url!r}):\n{stderr_path.read_text()}")
    return RunningTarget(url=url, process=process, db_path=db_path, stderr_path=stderr_path)


@pytest.fixture
def start_target(tmp_path: Path) -> Iterator[Callable[..., RunningTarget]]:
    """A factory of targets; each is stopped (SIGKILL if need be) at the end of the test."""
    started: list[RunningTarget] = []

    def _start(*args: str, **kwargs) -> RunningTarget:
        target = launch(tmp_path, *args, **kwargs)
        started.append(target)
        return target

    yield _start
    for target in started:
        if target.process.poll() is None:
            target.process.kill()
            target.process.wait()


@pytest.fixture(scope="session")
def shared_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningTarget]:
    """One target with default options for the contract tests; tests use their own user ids."""
    target = launch(tmp_path_factory.mktemp("shared-target"), "--seed", "0")
    yield target
    target.stop()


@pytest.fixture
def user_id() -> str:
    return f"user-{uuid.uuid4().hex[:12]}"


def parse_sse(lines: Iterator[bytes]) -> list[str]:
    """The ``data`` of each event in an SSE stream, as the WHATWG spec tells a client to read it:
    lines end in CRLF, LF or CR; ``:`` starts a comment; a blank line dispatches the event; the
    ``data`` lines of one event join with LF; one space after the colon is dropped."""
    events: list[str] = []
    data: list[str] = []
    for raw in lines:
        line = raw.decode("utf-8")
        if line == "":
            if data:
                events.append("\n".join(data))
            data = []
            continue
        if line.startswith(":"):
            continue
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            data.append(value)
    return events  # data after the last blank line is an incomplete event: the spec drops it


def sse_lines(response: requests.Response) -> Iterator[bytes]:
    """Split a streamed body into lines on CRLF, LF or CR, chunk by chunk as it arrives."""
    buffer = b""
    for chunk in response.iter_content(chunk_size=None):
        buffer += chunk
        while True:
            cut = min((i for i in (buffer.find(b"\r"), buffer.find(b"\n")) if i >= 0), default=-1)
            if cut < 0 or (buffer[cut:cut + 1] == b"\r" and cut + 1 == len(buffer)):
                break  # a CR at the very end may be the first half of a CRLF
            end = cut + 2 if buffer[cut:cut + 2] == b"\r\n" else cut + 1
            yield buffer[:cut]
            buffer = buffer[end:]
    if buffer:
        yield buffer


def stream_chat(target: RunningTarget, body: dict) -> tuple[requests.Response, list[dict | str], list[float]]:
    """POST a streaming chat request; returns the response, the decoded events ("[DONE]" kept as a
    string) and the arrival time of each event in seconds after the request was sent."""
    started = time.perf_counter()
    arrivals: list[float] = []
    with target.session.post(target.url + "/v1/chat/completions", json=body, stream=True, timeout=60) as response:
        def timed_lines() -> Iterator[bytes]:
            for line in sse_lines(response):
                if line == b"":
                    arrivals.append(time.perf_counter() - started)
                yield line
        events = parse_sse(timed_lines()) if response.status_code == 200 else []
    decoded = [e if e == "[DONE]" else json.loads(e) for e in events]
    return response, decoded, arrivals


@pytest.fixture
def chat_stream() -> Callable[[RunningTarget, dict], tuple[requests.Response, list[dict | str], list[float]]]:
    """``stream_chat`` as a fixture (conftest helpers are not importable under importlib mode)."""
    return stream_chat


@pytest.fixture
def sse_parser() -> Callable[[Iterator[bytes]], list[str]]:
    return parse_sse
