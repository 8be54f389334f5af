"""memload's figures while the run goes on, in the Prometheus text format (prometheus-client).

The process that writes the results (the master, or a lone Locust process) adds every closed 10 s
interval to running totals as it writes it: requests, failures and dropped arrivals per operation,
and the response time, TTFT and TPOT histograms per operation, in seconds, with buckets counted from
memload's own HDR histograms (to their 3 significant digits). So the figures lag the run by one
interval plus the workers' report delay (~20 s), and at the end they equal the results directory's.
Served on ``--metrics-port`` (``MEMLOAD_METRICS_PORT``), and with the web UI at /metrics on the
web UI's own port. The master's own RSS and CPU come as prometheus-client's ``process_*`` series.
The same totals drive ``abort_on_fail`` thresholds (``AbortWatch``): evaluated after each interval
is added, so an abort comes within the threshold's delay plus ~20 s of the failure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    ProcessCollector,
    generate_latest,
    start_http_server,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

from memload import names as C
from memload.loadgen.histograms import INTERVAL_S, SCALE, IntervalStore, new_histogram
from memload.scenario.thresholds import Threshold

CONTENT_TYPE = CONTENT_TYPE_LATEST
BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
LIVE_METRICS = {
    C.METRIC_RESPONSE: "response",
    "ttft_ms": "ttft",
    "itl_ms": "itl",
    "tpot_ms": "tpot",
    "e2e_ms": "e2e",
}
COUNTED = {
    C.IC_REQUESTS: "requests",
    C.IC_FAILURES: "request_failures",
    C.IC_DROPPED: "dropped_arrivals",
    C.IC_LLM_REQUESTS: "llm_requests",
    C.IC_OUTPUT_TOKENS: "output_tokens",
    C.IC_GOODPUT: "goodput_requests",  # LLM requests that met every [llm] slo (counted with SLOs only)
}


def _bucket_tops_s() -> np.ndarray:
    """The largest value (s) each HDR bucket holds, in the layout of memload's histograms."""
    layout = new_histogram()
    tops = [
        layout.get_highest_equivalent_value(layout.get_value_from_index(i)) for i in range(layout.counts_len)
    ]
    return np.asarray(tops, dtype=float) / SCALE["us"] / 1000.0


class LiveTotals:
    """The run so far, from the closed intervals (``add``), as Prometheus metric families."""

    def __init__(self, users: Callable[[], int] | None = None) -> None:
        self.counts: dict[tuple[str, str], int] = {}
        self.histograms: dict[tuple[str, str], np.ndarray] = {}  # (scope, metric) -> counts per bucket
        self.sums_s: dict[tuple[str, str], float] = {}
        self.users = users
        self._tops_s: np.ndarray | None = None
        self.last_interval: int | None = None  # the latest closed interval added, and its histograms
        self.last: dict[tuple[str, str], np.ndarray] = {}
        self.intervals: set[int] = set()  # every interval with counts: the time the totals cover

    def reset(self) -> None:
        """Forget the figures so far (a new test in the web UI)."""
        self.counts, self.histograms, self.sums_s = {}, {}, {}
        self.last_interval, self.last, self.intervals = None, {}, set()

    def add(self, store: IntervalStore) -> None:
        newest = max(
            (i for i, s, m in store.histograms if m in LIVE_METRICS and not C.is_breakdown(s)), default=None
        )
        if newest is not None and (self.last_interval is None or newest > self.last_interval):
            self.last_interval, self.last = newest, {}  # (a late report of the same interval adds to it)
        for (interval, scope, metric), histogram in store.histograms.items():
            if metric not in LIVE_METRICS or C.is_breakdown(scope):  # llm_chat|cache=hit: part of llm_chat
                continue
            if interval == self.last_interval:
                counts = np.frombuffer(histogram.counts, dtype=np.int64)
                key = (scope, metric)
                self.last[key] = self.last[key] + counts if key in self.last else counts.copy()
            counts = np.frombuffer(histogram.counts, dtype=np.int64)
            key = (scope, metric)
            if key not in self.histograms:
                self.histograms[key] = np.zeros(counts.size, dtype=np.int64)
                self.sums_s[key] = 0.0
            self.histograms[key] += counts
            self.sums_s[key] += float(counts @ self.tops_s())  # each value at its bucket's top
        for (interval, scope), counters in store.counts.items():
            if C.is_breakdown(scope):
                continue
            self.intervals.add(interval)
            for counter in COUNTED:
                self.counts[(scope, counter)] = self.counts.get((scope, counter), 0) + counters.get(
                    counter, 0
                )

    def tops_s(self) -> np.ndarray:
        if self._tops_s is None:
            self._tops_s = _bucket_tops_s()
        return self._tops_s

    def collect(self) -> Iterator[Any]:
        for counter, name in COUNTED.items():
            family = CounterMetricFamily(
                f"memload_{name}", f"memload {name.replace('_', ' ')} by operation", labels=["operation"]
            )
            for (scope, c), value in sorted(self.counts.items()):
                if c == counter:
                    family.add_metric([scope], value)
            yield family
        for metric, name in LIVE_METRICS.items():
            histograms = HistogramMetricFamily(
                f"memload_{name}_seconds",
                f"memload {name} time by operation, from its HDR histograms",
                labels=["operation"],
            )
            for (scope, m), counts in sorted(self.histograms.items()):
                if m == metric:
                    histograms.add_metric([scope], self._buckets(counts), sum_value=self.sums_s[(scope, m)])
            yield histograms
        if self.users is not None:
            yield GaugeMetricFamily("memload_users", "Locust users running now", value=self.users())

    def figure(self, address: str) -> float | None:
        """A request figure of the run so far (``thresholds.LIVE_METRICS`` of an operation or of
        ``total``), or None while there is nothing to measure. Percentiles are the top of the HDR
        bucket holding the rank (3 significant digits), as the report's."""
        scope, _, metric = address.partition(".")
        in_scope = (lambda s: True) if scope == "total" else (lambda s: s == scope)
        requests = sum(v for (s, c), v in self.counts.items() if c == C.IC_REQUESTS and in_scope(s))
        failures = sum(v for (s, c), v in self.counts.items() if c == C.IC_FAILURES and in_scope(s))
        if metric == "requests":
            return float(requests)
        if metric == "failures":
            return float(failures)
        if metric == "error_rate":
            return failures / requests if requests else None
        percent = 100.0 if metric == "max_ms" else float(metric[1:-3])
        return self.percentile_ms(self.histograms, scope, C.METRIC_RESPONSE, percent)

    def covered_s(self) -> float:
        """The seconds the totals cover: from the first interval added to the end of the latest."""
        return (max(self.intervals) - min(self.intervals)) + INTERVAL_S if self.intervals else 0.0

    def counted(self, counter: str, scope: str) -> int:
        """A counter of one operation, or of all (``total``)."""
        return sum(v for (s, c), v in self.counts.items() if c == counter and scope in (s, "total"))

    def percentile_ms(
        self, source: dict[tuple[str, str], np.ndarray], scope: str, metric: str, percent: float
    ) -> float | None:
        """The ``percent`` percentile (ms) of ``metric`` of one operation, or of all (``total``), in
        ``source`` (``histograms``: the run so far; ``last``: the latest closed interval)."""
        vectors = [h for (s, m), h in source.items() if m == metric and scope in (s, "total")]
        counts = np.sum(vectors, axis=0) if vectors else None
        if counts is None or not counts.sum():
            return None
        cumulative = np.cumsum(counts)
        rank = max(1, int(percent * int(cumulative[-1]) / 100 + 0.5))  # hdrh's rank, as the report's
        return float(self.tops_s()[np.searchsorted(cumulative, rank)] * 1000.0)

    def _buckets(self, counts: np.ndarray) -> list[tuple[str, float]]:
        cumulative = np.cumsum(counts)
        tops = self.tops_s()
        found = [
            (repr(le), float(cumulative[np.searchsorted(tops, le, side="right") - 1])) for le in BUCKETS_S
        ]
        return [*found, ("+Inf", float(cumulative[-1]))]


class _Registered(Collector):
    def __init__(self, totals: LiveTotals) -> None:
        self.totals = totals

    def collect(self) -> Iterator[Any]:
        return self.totals.collect()


def registry_of(totals: LiveTotals) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Registered(totals))
    ProcessCollector(registry=registry)  # this process's RSS, CPU, fds
    return registry


def serve(totals: LiveTotals, *, port: int, address: str = "127.0.0.1") -> CollectorRegistry:
    """The metrics on ``address``:``port`` (/metrics), in a thread of prometheus-client's own."""
    registry = registry_of(totals)
    start_http_server(port, addr=address, registry=registry)
    return registry


def exposition(registry: CollectorRegistry) -> bytes:
    return generate_latest(registry)


class AbortWatch:
    """The scenario's ``abort_on_fail`` thresholds, evaluated on the live totals after each closed
    interval is added: the first to fail after its delay (from the test's start) is returned, once."""

    def __init__(self, thresholds: list[Threshold]) -> None:
        self.rules = [t for t in thresholds if t.abort_on_fail]
        self.fired: dict[str, Any] | None = None

    def check(
        self, totals: LiveTotals, *, since_start_s: float | None, now_unix: float
    ) -> dict[str, Any] | None:
        if self.fired is not None or since_start_s is None:
            return None
        for rule in self.rules:
            measured = totals.figure(rule.address)
            if since_start_s >= rule.abort_delay_s and measured is not None and not rule.passes(measured):
                self.fired = {
                    "address": rule.address,
                    "condition": rule.condition,
                    "measured": measured,
                    "at_unix": round(now_unix, 3),
                    "after_s": round(since_start_s, 1),
                }
                return self.fired
        return None
