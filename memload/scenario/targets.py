"""The tables of a scenario that configure the service memload talks to.

A scenario's ``[mem0]`` table: which mem0 API the ``mem0`` target speaks, and how.

- ``api``: ``"oss"`` (mem0's self-hosted REST server, ``server/main.py``: API key in ``X-API-Key``)
  or ``"platform"`` (the hosted API, ``api.mem0.ai``: ``Authorization: Token <key>``, v1/v3 routes).
- ``key_env``: the environment variable holding the API key (``MEM0_API_KEY``); the key itself is
  never in a scenario, run.json or a log. An OSS server started with ``AUTH_DISABLED=true`` needs none.
- ``infer``: mem0 extracts facts with an LLM on every add by default (``true``, a real cost worth
  measuring); ``false`` stores the text as it is and measures storage alone.
- ``poll``: the platform's add is asynchronous (``{"event_id", "status": "PENDING"}``, measured as
  accepted); ``poll = true`` also polls ``GET /v1/event/{id}/`` until it ends, each poll named
  ``create_memory_poll`` and the time to completion ``create_memory_completed``.
- ``poll_interval`` / ``poll_timeout``: between polls (0.5 s), and how long before giving up (60 s).

A scenario's ``[reference]`` table: options of `memload serve` when memload starts the reference
service, checked when the scenario loads so that a typo or an impossible value fails there, with
the file and key, not when the target refuses to start. Each key is the option's name
(``cache_size`` is ``--cache-size``); the limits are those of `memload serve --help`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from memload.scenario.figures import OPERATIONS
from memload.scenario.tables import TableReader

BOOLEANS = ("cache", "log_requests")
# key -> the smallest whole number allowed
INTEGERS = {
    "cache_size": 1,
    "leak_bytes_per_request": 0,
    "leak_fd_every": 0,
    "max_inflight": 0,
    "max_body_bytes": 1,
}
# key -> the smallest number allowed (above zero where zero is refused)
NUMBERS = {
    "cache_ttl_s": 0.001,
    "error_rate": 0.0,
    "added_latency_ms": 0.0,
    "stall_every_s": 0.0,
    "stall_for_s": 0.0,
    "service_time_ms": 0.0,
    "idle_timeout_s": 0.001,
    "request_timeout_s": 0.001,
    # correctness faults (issue 20): what [checks] detects; rates must also be at most 1
    "index_delay_ms": 0.0,
    "cross_tenant_leak_rate": 0.0,
    "write_drop_rate": 0.0,
    "stale_cache_rate": 0.0,
    "stale_cache_age_ms": 0.0,
}
# key -> a string option: ``added_latency_ms_on = "search=20"`` (ROUTE=MS[,ROUTE=MS], a route named
# by its operation) adds latency to those routes only
STRINGS = ("added_latency_ms_on",)
REFERENCE_KEYS = (*BOOLEANS, *INTEGERS, *NUMBERS, *STRINGS)


def parse_reference(reader: TableReader) -> dict[str, Any]:
    reader.keys_checked(REFERENCE_KEYS)
    options: dict[str, Any] = {}
    for key in reader.raw:
        if key in BOOLEANS:
            options[key] = reader.bool(key)
        elif key in STRINGS:
            options[key] = _latency_on(reader, key)
        elif key in INTEGERS:
            options[key] = reader.int(key, minimum=INTEGERS[key])
        else:
            options[key] = reader.number(key, minimum=NUMBERS[key])
    for rate in ("error_rate", "cross_tenant_leak_rate", "write_drop_rate", "stale_cache_rate"):
        if options.get(rate, 0.0) > 1:
            raise reader.error(rate, f"is a fraction between 0 and 1, got {options[rate]:g}")
    if bool(options.get("max_inflight")) != bool(options.get("service_time_ms")):
        raise reader.error("max_inflight", "a known capacity needs both max_inflight and service_time_ms")
    return options


def _latency_on(reader: TableReader, key: str) -> str:
    text = reader.str(key)
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = part.partition("=")
        try:
            ms = float(value)
        except ValueError:
            ms = -1.0
        if name.strip() not in OPERATIONS or not 0 <= ms < float("inf"):
            raise reader.error(
                key, f"{part!r} is not ROUTE=MS with ROUTE one of {', '.join(OPERATIONS)} and MS >= 0"
            )
    return text


MEM0_KEYS = ("api", "key_env", "infer", "poll", "poll_interval", "poll_timeout")
APIS = ("oss", "platform")
DEFAULT_KEY_ENV = "MEM0_API_KEY"


@dataclass(frozen=True, kw_only=True)
class Mem0Options:
    api: str = "oss"
    key_env: str = DEFAULT_KEY_ENV
    infer: bool = True
    poll: bool = False
    poll_interval_s: float = 0.5
    poll_timeout_s: float = 60.0


def parse_mem0(reader: TableReader) -> Mem0Options:
    reader.keys_checked(MEM0_KEYS)
    defaults = Mem0Options()
    options = Mem0Options(
        api=reader.str("api", default=defaults.api, choices=APIS),
        key_env=reader.str("key_env", default=defaults.key_env),
        infer=reader.bool("infer", default=defaults.infer),
        poll=reader.bool("poll", default=defaults.poll),
        poll_interval_s=reader.duration("poll_interval", default=defaults.poll_interval_s),
        poll_timeout_s=reader.duration("poll_timeout", default=defaults.poll_timeout_s),
    )
    if not options.key_env or not options.key_env.replace("_", "").isalnum():
        raise reader.error("key_env", f"must name an environment variable, got {options.key_env!r}")
    if options.poll and options.api != "platform":
        raise reader.error("poll", 'only the platform\'s add is asynchronous: poll needs api = "platform"')
    if options.poll_interval_s <= 0 or options.poll_timeout_s < options.poll_interval_s:
        raise reader.error(
            "poll_timeout",
            f"needs 0 < poll_interval <= poll_timeout, got {options.poll_interval_s:g} s and "
            f"{options.poll_timeout_s:g} s",
        )
    return options
