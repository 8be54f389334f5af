"""How a worker gets its scenario: the master serves the resolved scenario, the target's URL, the
number of workers and its memload and Locust versions as JSON over HTTP, on the port after its
worker port (``GET /memload/worker``), so a worker needs no copy of the TOML and no shared
filesystem. Until the master knows the target's URL (it may start the reference service first) it
answers 503 and the worker asks again."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import version
from typing import Any

import requests

from memload import __version__
from memload.errors import MemloadError

HANDOFF_PATH = "/memload/worker"
RETRY_EVERY_S = 0.5


def versions() -> dict[str, str]:
    return {"memload": __version__, "locust": version("locust")}


class HandoffServer:
    """The master's side: serves the payload once ``set_host`` has been called."""

    def __init__(self, *, scenario: dict[str, Any], workers: int, bind: str, port: int) -> None:
        self.payload: dict[str, Any] = {"versions": versions(), "scenario": scenario, "workers": workers}
        self.ready = threading.Event()
        server_class = type("Server", (ThreadingHTTPServer,), {"address_family": _family(bind)})
        try:
            self.server = server_class((bind, port), _handler(self))
        except OSError as error:
            reason = error.strerror or error
            raise MemloadError(f"cannot listen on {bind}:{port} for workers: {reason}") from None
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name="memload-handoff", daemon=True)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def set_host(self, host: str) -> None:
        self.payload["host"] = host
        self.ready.set()

    def start(self) -> HandoffServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _handler(owner: HandoffServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            if self.path != HANDOFF_PATH:
                self._answer(404, {"error": f"not found; workers ask {HANDOFF_PATH}"})
            elif not owner.ready.is_set():
                self._answer(503, {"error": "the master is starting"})
            else:
                self._answer(200, owner.payload)

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's name)
            return  # the master's console is for the run

    return Handler


def fetch_handoff(host: str, port: int, *, wait_s: float) -> dict[str, Any]:
    """The worker's side: the master's payload, asking until it answers or ``wait_s`` has passed."""
    url = f"http://{_bracketed(host)}:{port}{HANDOFF_PATH}"
    deadline = time.monotonic() + wait_s
    last = "no answer"
    while True:
        try:
            answer = requests.get(url, timeout=5.0)
            if answer.status_code == 200:
                return _checked(answer.json(), url)
            last = f"HTTP {answer.status_code}"
        except requests.exceptions.ConnectionError:
            last = "connection refused"
        except (requests.exceptions.RequestException, ValueError) as error:
            last = type(error).__name__
        if time.monotonic() >= deadline:
            raise MemloadError(f"no scenario from the master at {url} within {wait_s:g} s ({last})")
        time.sleep(RETRY_EVERY_S)


def _checked(payload: Any, url: str) -> dict[str, Any]:
    if not isinstance(payload, dict) or not {"versions", "scenario", "workers", "host"} <= set(payload):
        raise MemloadError(f"{url} did not answer as a memload master does")
    theirs, ours = payload["versions"], versions()
    if theirs != ours:
        raise MemloadError(
            f"the master runs memload {theirs.get('memload')} with Locust {theirs.get('locust')}, this "
            f"worker memload {ours['memload']} with Locust {ours['locust']}: install the same on both"
        )
    return payload


def _family(bind: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in bind else socket.AF_INET


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
