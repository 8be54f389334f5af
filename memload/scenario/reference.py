"""A scenario's ``[reference]`` table: options of `memload serve` when memload starts the reference
service, checked when the scenario loads so that a typo or an impossible value fails there, with
the file and key, not when the target refuses to start. Each key is the option's name
(``cache_size`` is ``--cache-size``); the limits are those of `memload serve --help`."""

from __future__ import annotations

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
}
# key -> a string option: ``added_latency_ms_on = "search=20"`` (ROUTE=MS[,ROUTE=MS], a route named
# by its operation) adds latency to those routes only
STRINGS = ("added_latency_ms_on",)
KEYS = (*BOOLEANS, *INTEGERS, *NUMBERS, *STRINGS)


def parse_reference(reader: TableReader) -> dict[str, Any]:
    reader.keys_checked(KEYS)
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
    if options.get("error_rate", 0.0) > 1:
        raise reader.error("error_rate", f"is a fraction between 0 and 1, got {options['error_rate']:g}")
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
