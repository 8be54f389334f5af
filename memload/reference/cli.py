"""``memload serve``: run the reference memory + LLM target.

The first line on stdout is the bound URL (``http://127.0.0.1:40123``), flushed at once, so a
parent process can read it; everything else goes to stderr. SIGTERM or SIGINT stop it with
exit status 0.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

import click

from memload.reference.http.limits import (
    DEFAULT_IDLE_TIMEOUT_S,
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_REQUEST_TIMEOUT_S,
    ConnectionLimits,
)

TOKEN_ENVVAR = "MEMLOAD_TARGET_TOKEN"


def _announce(url: str) -> None:
    sys.stdout.write(url + "\n")
    sys.stdout.flush()


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and localhost; any other address (0.0.0.0 and :: included) is reachable."""
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


CORRECTNESS = {  # faults that break what memload's [checks] check (issue 20)
    "index": "Fault: a new memory is searchable only this many ms after its create (get finds it at once).",
    "leak": "Fault: share of searches and lists answered with one memory of another user (0..1).",
    "drop": "Fault: share of created memories acknowledged with an id, then never stored (0..1).",
    "stale": "Fault: share of searches served from a stale view missing the user's recent writes (0..1).",
    "age": "Fault: how old the stale view of --stale-cache-rate is.",
}


@click.command(context_settings={"help_option_names": ["-h", "--help"], "show_default": True})
@click.option("--host", default="127.0.0.1", help="Address to listen on.")
@click.option(
    "--port", default=8000, type=click.IntRange(0, 65535), help="Port to listen on; 0 picks a free port."
)
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="SQLite file for memories (WAL mode); created if missing. Default: a new temporary "
    "file, deleted when the server stops.",
    show_default=False,
)
@click.option("--seed", default=0, type=int, help="Seed of the latency sampler, generated text and faults.")
@click.option(
    "--token",
    envvar=TOKEN_ENVVAR,
    show_envvar=True,
    default=None,
    show_default=False,
    help="Require 'Authorization: Bearer <token>' on every route but /health and /metrics.",
)
@click.option(
    "--cache/--no-cache",
    "cache_enabled",
    default=True,
    help="Response cache for chat completions (and the LLM call of RAG).",
)
@click.option(
    "--cache-size", default=1024, type=click.IntRange(min=1), help="Most entries the cache keeps (LRU)."
)
@click.option(
    "--cache-ttl-s",
    default=300.0,
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds a cache entry lives.",
)
@click.option(
    "--error-rate",
    default=0.0,
    type=click.FloatRange(0, 1),
    help="Fault: share of requests answered with an injected 500 (0..1).",
)
@click.option(
    "--added-latency-ms",
    default=0.0,
    type=click.FloatRange(min=0),
    help="Fault: milliseconds added to every request.",
)
@click.option(
    "--added-latency-ms-on",
    default="",
    show_default=False,
    help="Fault: milliseconds added to some routes only, as ROUTE=MS[,ROUTE=MS], a route named by its "
    "operation (search, llm_chat, create_memory, …), e.g. search=20.",
)
@click.option(
    "--stall-every-s",
    default=0.0,
    type=click.FloatRange(min=0),
    help="Fault: length of a stall window in seconds (0 = no stalls).",
)
@click.option(
    "--stall-for-s",
    default=0.0,
    type=click.FloatRange(min=0),
    help="Fault: responses are held during the first this-many seconds of every stall window.",
)
@click.option(
    "--leak-bytes-per-request",
    default=0,
    type=click.IntRange(min=0),
    help="Fault: bytes kept in memory for good on every request (a memory leak).",
)
@click.option(
    "--leak-fd-every",
    default=0,
    type=click.IntRange(min=0),
    help="Fault: keep a file descriptor open for good every this many requests (an fd leak; 0: never).",
)
@click.option(
    "--max-inflight",
    default=0,
    type=click.IntRange(min=0),
    help="A known capacity: at most this many requests in service at once (with --service-time-ms).",
)
@click.option(
    "--service-time-ms",
    default=0.0,
    type=click.FloatRange(min=0),
    help="A known capacity: each request holds a slot this long; throughput saturates at "
    "max-inflight × 1000 / service-time-ms requests/s.",
)
@click.option("--index-delay-ms", default=0.0, type=click.FloatRange(min=0), help=CORRECTNESS["index"])
@click.option("--cross-tenant-leak-rate", default=0.0, type=click.FloatRange(0, 1), help=CORRECTNESS["leak"])
@click.option("--write-drop-rate", default=0.0, type=click.FloatRange(0, 1), help=CORRECTNESS["drop"])
@click.option("--stale-cache-rate", default=0.0, type=click.FloatRange(0, 1), help=CORRECTNESS["stale"])
@click.option("--stale-cache-age-ms", default=60_000.0, type=click.FloatRange(min=0), help=CORRECTNESS["age"])
@click.option(
    "--max-body-bytes",
    default=DEFAULT_MAX_BODY_BYTES,
    type=click.IntRange(min=1),
    help="Largest request body; a larger one is answered 413 before it is read.",
)
@click.option(
    "--idle-timeout-s",
    default=DEFAULT_IDLE_TIMEOUT_S,
    type=click.FloatRange(min=0, min_open=True),
    help="Close a connection that waits this long for its next request, or to send.",
)
@click.option(
    "--request-timeout-s",
    default=DEFAULT_REQUEST_TIMEOUT_S,
    type=click.FloatRange(min=0, min_open=True),
    help="A request's line, headers and body must arrive within this from its first byte (else 408).",
)
@click.option(
    "--log-requests/--no-log-requests", default=False, help="Write an access log line per request to stderr."
)
def serve(
    host: str,
    port: int,
    db_path: Path | None,
    seed: int,
    token: str | None,
    cache_enabled: bool,
    cache_size: int,
    cache_ttl_s: float,
    error_rate: float,
    added_latency_ms: float,
    added_latency_ms_on: str,
    stall_every_s: float,
    stall_for_s: float,
    leak_bytes_per_request: int,
    leak_fd_every: int,
    max_inflight: int,
    service_time_ms: float,
    index_delay_ms: float,
    cross_tenant_leak_rate: float,
    write_drop_rate: float,
    stale_cache_rate: float,
    stale_cache_age_ms: float,
    max_body_bytes: int,
    idle_timeout_s: float,
    request_timeout_s: float,
    log_requests: bool,
) -> None:
    """Serve the reference memory + LLM target (memories, search, OpenAI-compatible LLM, RAG) over HTTP.

    Prints the bound URL as the first line on stdout; logs go to stderr.
    """
    from memload.reference.faults import FaultConfig, parse_latency_on  # only gevent: safe before patching

    try:
        faults = FaultConfig(
            error_rate=error_rate,
            added_latency_ms=added_latency_ms,
            added_latency_ms_on=parse_latency_on(added_latency_ms_on),
            stall_every_s=stall_every_s,
            stall_for_s=stall_for_s,
            leak_bytes_per_request=leak_bytes_per_request,
            leak_fd_every=leak_fd_every,
            max_inflight=max_inflight,
            service_time_ms=service_time_ms,
            index_delay_ms=index_delay_ms,
            cross_tenant_leak_rate=cross_tenant_leak_rate,
            write_drop_rate=write_drop_rate,
            stale_cache_rate=stale_cache_rate,
            stale_cache_age_ms=stale_cache_age_ms,
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    limits = ConnectionLimits(
        max_body_bytes=max_body_bytes, idle_timeout_s=idle_timeout_s, request_timeout_s=request_timeout_s
    )

    from gevent import monkey

    monkey.patch_all()

    from memload.reference.http.server import open_listener, stop_on_signals

    stop = stop_on_signals()
    logging.basicConfig(
        stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    try:
        listener = open_listener(host, port)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    if not token and not is_loopback(host):
        click.echo(
            f"warning: listening on {host} without --token: anyone who can reach this machine can read "
            "and write its memories",
            err=True,
        )
    options = {
        "seed": seed,
        "token": token or None,
        "cache_enabled": cache_enabled,
        "cache_size": cache_size,
        "cache_ttl_s": cache_ttl_s,
        "faults": faults,
        "max_body_bytes": max_body_bytes,
    }
    _run(listener, stop, db_path=db_path, log_requests=log_requests, limits=limits, **options)


def _run(
    listener, stop, *, db_path: Path | None, log_requests: bool, limits: ConnectionLimits, **options
) -> None:
    """Build the target on ``db_path`` (or a temporary file), serve until ``stop``, clean up."""
    from memload.reference.app import TargetConfig, build_target
    from memload.reference.http.server import serve_until_signalled

    temp_dir = None
    if db_path is None:
        temp_dir = Path(tempfile.mkdtemp(prefix="memload-target-"))
        db_path = temp_dir / "memories.db"
    try:
        target = build_target(TargetConfig(db_path=db_path, **options))
        logging.getLogger("memload.reference").info(
            "pid %d, db %s, %d memories, seed %d, cache %s, auth %s, faults %s, %s",
            os.getpid(),
            db_path,
            target.store.index.memory_count,
            options["seed"],
            "on" if options["cache_enabled"] else "off",
            "on" if options["token"] else "off",
            options["faults"],
            limits,
        )
        try:
            serve_until_signalled(
                target.app, listener, stop=stop, log_requests=log_requests, on_ready=_announce, limits=limits
            )
        finally:
            target.close()
    finally:
        if temp_dir is not None:
            shutil.rmtree(temp_dir, ignore_errors=True)
