"""The target's figures from its Prometheus series (target_metrics.csv), over the steady window:

- when memload sampled no process of the target (a service memload did not start, and [monitor]
  names no pid): ``target.rss_mb`` (peak of ``process_resident_memory_bytes``), ``target.cpu_pct``
  and ``cpu_pct_max`` (the rate of ``process_cpu_seconds_total``, percent of one core: mean and peak
  between scrapes) and ``target.num_fds`` (peak of ``process_open_fds``), summed over endpoints;
- ``target.cache_hit_rate`` from the counters [monitor] names (memload's own by default);
- each series of [monitor] ``series`` as ``target.<series>.<metric>``: ``max`` and ``mean`` of a
  gauge, ``per_s`` of a counter (``<series>`` or ``<series>_total``) or of a histogram's
  ``_count``, and ``p50_ms`` / ``p95_ms`` / ``p99_ms`` of a histogram from its buckets' increase
  over the window (seconds, interpolated within a bucket as Prometheus' histogram_quantile does);
- why a ``target.*`` threshold figure has no value: the source that was missing and how to give it.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from memload import names as C
from memload.analysis.figures.process import cache_hit_rate, counter_series
from memload.analysis.read.window import Window

BYTES_PER_MB = 1024 * 1024
QUANTILES = {"p50_ms": 0.50, "p95_ms": 0.95, "p99_ms": 0.99}
_LE = re.compile(r'(?:^|,)le="([^"]+)"')
PROCESS_FIGURES = (
    "target.cpu_pct",
    "target.cpu_pct_max",
    "target.rss_mb",
    "target.num_fds",
    "target.threads",
)


def monitor_of(meta: dict[str, Any]) -> dict[str, Any]:
    return dict((meta.get(C.RUN_SCENARIO) or {}).get(C.SCENARIO_MONITOR) or {})


def monitored_figures(
    tm: pd.DataFrame, window: Window, meta: dict[str, Any], *, sampled: bool
) -> dict[str, float]:
    monitor = monitor_of(meta)
    steady = tm[(tm[C.TM_TIMESTAMP] >= window.start_unix) & (tm[C.TM_TIMESTAMP] <= window.end_unix)]
    figures: dict[str, float] = {}
    hits = monitor.get("cache_hits", C.METRIC_CACHE_HITS)
    rate = cache_hit_rate(tm, window, hits=hits, misses=monitor.get("cache_misses", C.METRIC_CACHE_MISSES))
    if rate is not None:
        figures["target.cache_hit_rate"] = rate
    if not sampled:
        figures.update(_process_fallback(steady))
    for name in monitor.get("series", ()):
        figures.update({f"target.{name}.{k}": v for k, v in _series(steady, name).items()})
    return {k: v for k, v in figures.items() if np.isfinite(v)}


def _per_scrape(steady: pd.DataFrame, metric: str) -> pd.Series:
    rows = steady[steady[C.TM_METRIC].astype(str) == metric]
    return rows.groupby(C.TM_TIMESTAMP, sort=True)[C.TM_VALUE].sum()


def _rates(steady: pd.DataFrame, metric: str) -> np.ndarray:
    series = counter_series(steady, metric)
    times, values = series[C.TM_TIMESTAMP].to_numpy(), series[C.TM_VALUE].to_numpy()
    if times.size < 2:
        return np.array([])
    return np.diff(values) / np.maximum(np.diff(times), 1e-9)


def _process_fallback(steady: pd.DataFrame) -> dict[str, float]:
    figures = {}
    rss = _per_scrape(steady, C.METRIC_PROCESS_RSS)
    if not rss.empty:
        figures["target.rss_mb"] = float(rss.max()) / BYTES_PER_MB
    fds = _per_scrape(steady, C.METRIC_PROCESS_FDS)
    if not fds.empty:
        figures["target.num_fds"] = float(fds.max())
    cpu = _rates(steady, C.METRIC_PROCESS_CPU) * 100.0
    if cpu.size:
        figures["target.cpu_pct"] = float(cpu.mean())
        figures["target.cpu_pct_max"] = float(cpu.max())
    return figures


def _series(steady: pd.DataFrame, name: str) -> dict[str, float]:
    present = set(steady[C.TM_METRIC].astype(str).unique())
    figures: dict[str, float] = {}
    counter = next((m for m in (f"{name}_total", f"{name}_count") if m in present), None)
    if counter is None and name in present and name.endswith("_total"):
        counter = name
    if counter is not None:
        rates = _rates(steady, counter)
        series = counter_series(steady, counter)
        span = float(series[C.TM_TIMESTAMP].iloc[-1] - series[C.TM_TIMESTAMP].iloc[0]) if rates.size else 0.0
        if span > 0:
            figures["per_s"] = float(series[C.TM_VALUE].iloc[-1] - series[C.TM_VALUE].iloc[0]) / span
    elif name in present:
        gauge = _per_scrape(steady, name)
        figures.update({"max": float(gauge.max()), "mean": float(gauge.mean())})
    if f"{name}_bucket" in present:
        figures.update(_histogram(steady[steady[C.TM_METRIC].astype(str) == f"{name}_bucket"]))
    return figures


def _histogram(buckets: pd.DataFrame) -> dict[str, float]:
    """Percentiles (ms) of what a histogram (seconds) counted between the window's first and last scrape."""
    le = buckets[C.TM_LABELS].astype(str).str.extract(_LE, expand=False).astype(float)
    frame = pd.DataFrame({"t": buckets[C.TM_TIMESTAMP], "le": le, "v": buckets[C.TM_VALUE]}).dropna()
    summed = frame.groupby(["t", "le"])["v"].sum().unstack("le").sort_index()
    if len(summed) < 2:
        return {}
    increase = (summed.iloc[-1] - summed.iloc[0]).sort_index().to_numpy()
    bounds = summed.columns.to_numpy(dtype=float)
    total = increase[-1] if bounds[-1] == np.inf else np.nan
    if not total > 0:
        return {}
    result = {}
    for key, q in QUANTILES.items():
        rank = q * total
        i = int(np.searchsorted(increase, rank, side="left"))
        if bounds[i] == np.inf:  # above the highest finite bucket: its bound, as Prometheus answers
            result[key] = float(bounds[i - 1]) * 1000.0 if i > 0 else float("nan")
            continue
        low_bound, low_count = (0.0, 0.0) if i == 0 else (bounds[i - 1], increase[i - 1])
        share = (rank - low_count) / max(increase[i] - low_count, 1e-12)
        result[key] = float(low_bound + (bounds[i] - low_bound) * share) * 1000.0
    return result


def missing_reasons(addresses: list[str], meta: dict[str, Any], *, started: bool) -> list[str]:
    """For each ``target.*`` figure without a value, the source that was missing and how to give it."""
    monitor = monitor_of(meta)
    reasons = []
    for address in sorted(set(addresses)):
        if address in PROCESS_FIGURES:
            if started:
                continue
            fallback = (
                ""
                if address == "target.threads"
                else (f", nor did its /metrics (or [monitor] metrics) export {_process_series(address)}")
            )
            reasons.append(
                f"{address}: not measured: memload did not start the target and sampled no process of "
                f"it{fallback}; name it in [monitor] pids = [PID] or process_names = "
                '["part of its command line"] (same machine)'
                + ("" if address == "target.threads" else ", or export the standard process series")
            )
        elif address == "target.cache_hit_rate":
            hits = monitor.get("cache_hits", C.METRIC_CACHE_HITS)
            misses = monitor.get("cache_misses", C.METRIC_CACHE_MISSES)
            reasons.append(
                f"{address}: not measured: no increase of {hits} / {misses} was scraped from "
                "<host>/metrics or [monitor] metrics; name the service's own counters in [monitor] "
                "cache_hits and cache_misses"
            )
        elif address.startswith("target.") and address.count(".") >= 2:
            series, _, metric = address[len("target.") :].rpartition(".")
            reasons.append(
                f"{address}: not measured: the series {series} gave no {metric} (a gauge has max and mean, "
                "a counter per_s, a histogram per_s and p50_ms/p95_ms/p99_ms); check its name at the "
                "scraped endpoints (<host>/metrics, [monitor] metrics)"
            )
    return reasons


def _process_series(address: str) -> str:
    if address == "target.rss_mb":
        return C.METRIC_PROCESS_RSS
    return C.METRIC_PROCESS_FDS if address == "target.num_fds" else C.METRIC_PROCESS_CPU
