"""The scenario's ``[monitor]`` table: what to watch of the service besides ``<host>/metrics``.

    [monitor]
    metrics = ["http://127.0.0.1:8001/metrics"]   # more Prometheus endpoints (vLLM, a sidecar)
    pids = [4242]                                 # processes sampled with psutil (this machine)
    process_names = ["memload serve"]             # or found by a piece of their command line
    cache_hits = "memload_cache_hits_total"       # counters of target.cache_hit_rate
    cache_misses = "memload_cache_misses_total"
    series = ["app_queue_depth", "app_request_seconds"]   # figures target.<series>.<metric>

Imports nothing of ``memload.scenario`` at run time (the scenario package imports it).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from memload import names as C

if TYPE_CHECKING:
    from memload.scenario.tables import TableReader

KEYS = ("metrics", "pids", "process_names", "cache_hits", "cache_misses", "series")
_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")


def parse_monitor(reader: TableReader, *, thresholds: object) -> dict[str, Any]:
    reader.keys_checked(KEYS)
    monitor: dict[str, Any] = {}
    if "metrics" in reader.raw:
        urls = _strings(reader, "metrics")
        for url in urls:
            if not url.startswith(("http://", "https://")):
                raise reader.error("metrics", f"{url!r} is not an http:// or https:// URL")
        monitor["metrics"] = urls
    if "pids" in reader.raw:
        monitor["pids"] = reader.int_list("pids", minimum=1)
    if "process_names" in reader.raw:
        monitor["process_names"] = _strings(reader, "process_names")
    for key in ("cache_hits", "cache_misses"):
        if key in reader.raw:
            monitor[key] = _metric(reader, key, reader.str(key))
    if "series" in reader.raw:
        monitor["series"] = [_metric(reader, "series", name) for name in _strings(reader, "series")]
    _check_thresholds(reader, thresholds, monitor.get("series", []))
    return monitor


def cache_counters(monitor: dict[str, Any]) -> tuple[str, str]:
    return monitor.get("cache_hits", C.METRIC_CACHE_HITS), monitor.get("cache_misses", C.METRIC_CACHE_MISSES)


def _strings(reader: TableReader, key: str) -> list[str]:
    value = reader.raw[key]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise reader.error(key, f"must be a non-empty list of strings, got {value!r}")
    return list(value)


def _metric(reader: TableReader, key: str, name: str) -> str:
    if not _METRIC_NAME.fullmatch(name):
        raise reader.error(key, f"{name!r} is not a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)")
    return name


def _check_thresholds(reader: TableReader, thresholds: object, series: list[str]) -> None:
    """A threshold on ``target.<series>.<metric>`` names a series of ``series``."""
    for address in thresholds if isinstance(thresholds, dict) else ():
        scope, _, _metric_name = str(address).rpartition(".")
        if scope.startswith("target.") and scope[len("target.") :] not in series:
            raise reader.error(
                "series",
                f"threshold {address!r} measures the series {scope[len('target.') :]!r}; name it in "
                f"[monitor] series (now: {', '.join(series) or 'none'})",
            )
