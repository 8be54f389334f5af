"""gevent's WSGI server with TCP_NODELAY and the idle timeout on every accepted socket, and a
clean stop on signals.

Without TCP_NODELAY a keep-alive client waits for Nagle's algorithm and the delayed ACK on
every request (>= 40 ms on loopback here); with it a request takes well under a millisecond.
The idle timeout closes connections on which nothing arrives (or nothing can be sent) for that
long, so held-open connections do not pile up; the handler bounds each request (``limits``).
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

from memload.reference.http.limits import ConnectionLimits
from memload.reference.http.wsgi_handler import LeanWSGIHandler

log = logging.getLogger("memload.reference")
LISTEN_BACKLOG = 1024
STOP_TIMEOUT_S = 2.0


class NoDelayWSGIServer(WSGIServer):
    """A ``WSGIServer`` that disables Nagle's algorithm on each connection it accepts and closes
    it after ``limits.idle_timeout_s`` without progress."""

    handler_class = LeanWSGIHandler
    log_requests = False
    limits = ConnectionLimits()

    def handle(self, sock: socket.socket, address: tuple) -> None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:  # not a TCP socket
            pass
        sock.settimeout(self.limits.idle_timeout_s)
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
