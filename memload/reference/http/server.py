"""gevent's WSGI server with TCP_NODELAY on every accepted socket, connection limits, and a
clean stop on signals.

Without TCP_NODELAY a keep-alive client waits for Nagle's algorithm and the delayed ACK on
every request (>= 40 ms on loopback here); with it a request takes well under a millisecond.
The handler (``wsgi_handler``) applies ``limits``; the server's ``Deadlines`` close connections
that wait on their client too long, so held-open connections do not pile up.
Import this module only after ``gevent.monkey.patch_all()``.
"""

from __future__ import annotations

import logging
import signal
import socket
import sys
from collections.abc import Callable

import gevent
from gevent.event import Event
from gevent.pywsgi import WSGIServer

from memload.reference.http.deadlines import Deadlines, tick_for
from memload.reference.http.limits import ConnectionLimits
from memload.reference.http.wsgi_handler import LeanWSGIHandler

log = logging.getLogger("memload.reference")
LISTEN_BACKLOG = 1024
STOP_TIMEOUT_S = 2.0


class NoDelayWSGIServer(WSGIServer):
    """A ``WSGIServer`` that disables Nagle's algorithm on each connection it accepts and keeps
    its handlers' deadlines (``limits``) while it runs."""

    handler_class = LeanWSGIHandler
    log_requests = False
    limits = ConnectionLimits()
    deadlines: Deadlines | None = None

    def start(self) -> None:
        limits = self.limits
        self.deadlines = Deadlines(tick_for(limits.idle_timeout_s, limits.request_timeout_s))
        self.deadlines.start()
        super().start()

    def stop(self, timeout: float | None = None) -> None:
        try:
            super().stop(timeout)
        finally:
            if self.deadlines is not None:
                self.deadlines.stop()

    def handle(self, sock: socket.socket, address: tuple) -> None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:  # not a TCP socket
            pass
        super().handle(sock, address)


def bound_url(host: str, port: int) -> str:
    """``http://host:port``, with IPv6 hosts in brackets."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def open_listener(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0 picks a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=LISTEN_BACKLOG)


def stop_on_signals() -> Event:
    """An event set by SIGTERM or SIGINT. Install it first thing, so a signal that arrives
    while the target is still starting stops it cleanly too."""
    stop = Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        gevent.signal_handler(signum, stop.set)
    return stop


def serve_until_signalled(
    app: Callable,
    listener: socket.socket,
    *,
    stop: Event,
    log_requests: bool,
    on_ready: Callable[[str], None],
    limits: ConnectionLimits | None = None,
) -> None:
    """Serve ``app`` on ``listener`` until ``stop`` is set, then stop and return."""
    host, port = listener.getsockname()[:2]
    server = NoDelayWSGIServer(
        listener,
        app,
        log=sys.stderr if log_requests else None,
        error_log=sys.stderr,
        environ={"SERVER_NAME": host, "SERVER_PORT": str(port)},  # no reverse DNS lookup at start
    )
    server.log_requests = log_requests
    server.limits = limits or ConnectionLimits()
    server.start()
    on_ready(bound_url(host, port))
    try:
        stop.wait()
        log.info("signal received, stopping")
    finally:
        server.stop(timeout=STOP_TIMEOUT_S)
