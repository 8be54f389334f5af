"""Prometheus metrics of the reference target, on a registry of its own.

Names are a contract with the monitor (results/README.md): request counts and a latency
histogram per route (the URL rule, such as ``/v1/memories/<id>``, never the raw path), cache
hits and misses, memories stored, users, and the standard process metrics.
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    disable_created_metrics,
)
from prometheus_client.exposition import generate_latest

# Fine buckets below 50 ms (memory operations), coarse ones up to the slowest LLM profile.
LATENCY_BUCKETS_S = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
EXPOSITION_CONTENT_TYPE = CONTENT_TYPE_LATEST


class TargetMetrics:
    """Every metric the target exports; ``exposition()`` renders them as Prometheus text."""

    def __init__(self, *, memories_stored: Callable[[], float], users: Callable[[], float]) -> None:
        disable_created_metrics()  # no *_created series: the monitor stores every sample it scrapes
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "memload_http_requests_total",
            "HTTP requests served.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "memload_http_request_duration_seconds",
            "Time from request start to the end of the response body (streams included).",
            ["route", "method"],
            buckets=LATENCY_BUCKETS_S,
            registry=self.registry,
        )
        self.cache_hits = Counter(
            "memload_cache_hits_total", "Chat completion cache hits.", registry=self.registry
        )
        self.cache_misses = Counter(
            "memload_cache_misses_total", "Chat completion cache misses.", registry=self.registry
        )
        Gauge("memload_memories_stored", "Memories stored.", registry=self.registry).set_function(
            memories_stored
        )
        Gauge("memload_users", "Users with at least one memory.", registry=self.registry).set_function(users)
        ProcessCollector(registry=self.registry)
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def observe_request(self, *, route: str, method: str, status: int, duration_s: float) -> None:
        key = (route, method, status)
        children = self._children.get(key)
        if children is None:  # labels() is slow enough to matter at thousands of requests/s
            children = self._children[key] = (
                self.requests.labels(route, method, str(status)),
                self.duration.labels(route, method),
            )
        children[0].inc()
        children[1].observe(duration_s)

    def count_cache_result(self, status: str) -> None:
        """Count a cache lookup: "HIT" is a hit, "MISS" a miss, anything else neither."""
        if status == "HIT":
            self.cache_hits.inc()
        elif status == "MISS":
            self.cache_misses.inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
