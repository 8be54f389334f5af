"""Time series for the plots, binned to at most ``MAX_POINTS`` points per line so that a 24 h run
plots as fast and as readably as a 30 s one: the time axis, the user count, the process and cache
series, and the request series of a Locust-only run (``request_series``: rates from differences
of Locust's cumulative counters at the bin edges, latencies the mean of its 10 s-window
percentiles of the rows in a bin). A run with memload's files takes its request series from
``interval_counts.csv`` (``plots.rates``) and its histograms instead."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from memload import names as C
from memload.analysis.figures.process import counter_series, per_sample_sums, scope_rows
from memload.analysis.figures.requests import counter_at, scope_of

MAX_POINTS = 2000
ERROR_RATE_MAX_POINTS = 300
LATENCY_PERCENTS: dict[str, float] = {"p50": 50.0, "p95": 95.0, "p99": 99.0}


@dataclass(frozen=True, kw_only=True)
class TimeAxis:
    origin_unix: float  # the run's start: x = 0
    unit: str  # "s", "min" or "h"
    seconds_per_unit: float

    @classmethod
    def for_run(cls, origin_unix: float, duration_s: float) -> TimeAxis:
        if duration_s > 3 * 3600:
            return cls(origin_unix=origin_unix, unit="h", seconds_per_unit=3600.0)
        if duration_s > 600:
            return cls(origin_unix=origin_unix, unit="min", seconds_per_unit=60.0)
        return cls(origin_unix=origin_unix, unit="s", seconds_per_unit=1.0)

    def x(self, t_unix: np.ndarray | float) -> np.ndarray:
        return (np.asarray(t_unix, dtype=float) - self.origin_unix) / self.seconds_per_unit

    @property
    def label(self) -> str:
        return f"time since start ({self.unit})"


@dataclass(frozen=True, kw_only=True)
class Series:
    t_unix: np.ndarray  # bin centres
    values: np.ndarray
    label: str


@dataclass(kw_only=True)
class RequestSeries:
    rps: dict[str, Series] = field(default_factory=dict)  # scope -> requests/s
    error_rate: dict[str, Series] = field(default_factory=dict)  # scope -> failures/requests
    latency_ms: dict[str, dict[str, Series]] = field(default_factory=dict)  # scope -> "p95" -> ms
    users: Series | None = None


def bin_edges(first_s: float, last_s: float, max_points: int = MAX_POINTS) -> np.ndarray:
    """Edges of at most ``max_points`` bins a whole number of seconds wide (rows come every
    second: a fractional width would alias, putting one row in some bins and two in others)."""
    span_s = max(last_s - first_s, 1.0)
    width_s = max(1, math.ceil(span_s / max_points))
    bins = max(1, math.ceil(span_s / width_s))
    return first_s + np.arange(bins + 1, dtype=float) * width_s


def _bin_index(times_s: np.ndarray, edges: np.ndarray) -> np.ndarray:
    return np.clip(np.searchsorted(edges, times_s, side="right") - 1, 0, edges.size - 2)


def binned(times_s: np.ndarray, values: np.ndarray, edges: np.ndarray, how: str = "mean") -> np.ndarray:
    """Mean (or max) of ``values`` per bin; NaN for bins without a finite value."""
    ok = np.isfinite(values)
    index, values = _bin_index(times_s[ok], edges), values[ok]
    if how == "max":
        out = np.full(edges.size - 1, -np.inf)
        np.maximum.at(out, index, values)
        return np.where(np.isinf(out), np.nan, out)
    counts = np.bincount(index, minlength=edges.size - 1)
    sums = np.bincount(index, weights=values, minlength=edges.size - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def sampled(series: Series) -> Series:
    """Only the bins that hold a sample: a monitor sampling about once a second leaves some
    1 s bins empty, which would break the line."""
    keep = np.isfinite(series.values)
    return Series(t_unix=series.t_unix[keep], values=series.values[keep], label=series.label)


def centres(edges: np.ndarray) -> np.ndarray:
    return (edges[:-1] + edges[1:]) / 2.0


def _scope_counters(rows: pd.DataFrame, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Requests and failures per bin of one scope, summed over its Types."""
    requests = np.zeros(edges.size - 1)
    failures = np.zeros(edges.size - 1)
    for _, entry in rows.groupby(C.TYPE, observed=True, dropna=False):
        times = entry[C.HIST_TIMESTAMP].to_numpy()
        requests += np.diff(counter_at(times, entry[C.HIST_REQUESTS].to_numpy(), edges))
        failures += np.diff(counter_at(times, entry[C.HIST_FAILURES].to_numpy(), edges))
    return requests, failures


def _latency(rows: pd.DataFrame, edges: np.ndarray, columns: dict[str, float]) -> dict[str, Series]:
    by_percent = {percent: column for column, percent in columns.items()}
    times = rows[C.HIST_TIMESTAMP].to_numpy()
    # rows written before Locust's 10 s window had a snapshot carry 0 for every percentile
    last_column = list(columns)[-1] if columns else None
    not_ready = (
        (rows[last_column].to_numpy() == 0) & (rows[C.HIST_MAX_MS].to_numpy() >= 1)
        if last_column
        else np.zeros(len(rows), dtype=bool)
    )
    result = {}
    for label, percent in LATENCY_PERCENTS.items():
        if percent in by_percent:
            values = np.where(not_ready, np.nan, rows[by_percent[percent]].to_numpy(dtype=float))
            result[label] = Series(t_unix=centres(edges), values=binned(times, values, edges), label=label)
    return result


def _error_rate(rows: pd.DataFrame, edges: np.ndarray) -> np.ndarray:
    requests, failures = _scope_counters(rows, edges)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(requests > 0, failures / np.maximum(requests, 1), np.nan)


def request_series(history: pd.DataFrame, percentile_columns: dict[str, float]) -> RequestSeries:
    """Per-scope rates, error rates and latencies over the whole run, and the user count.
    Error rates use coarser bins (``ERROR_RATE_MAX_POINTS``) so that each holds enough requests."""
    times = history[C.HIST_TIMESTAMP].to_numpy()
    first_s, last_s = float(times.min()), float(times.max())
    edges = bin_edges(first_s, last_s)
    error_edges = bin_edges(first_s, last_s, ERROR_RATE_MAX_POINTS)
    mid = centres(edges)
    widths = np.diff(np.minimum(edges, last_s))  # the last bin may reach past the last row
    result = RequestSeries()
    for name, rows in history.groupby(C.NAME, observed=True, sort=True):
        scope = scope_of(str(name))
        requests, _ = _scope_counters(rows, edges)
        with np.errstate(invalid="ignore", divide="ignore"):
            result.rps[scope] = Series(
                t_unix=mid, values=np.where(widths > 0, requests / widths, np.nan), label=scope
            )
        result.error_rate[scope] = Series(
            t_unix=centres(error_edges), values=_error_rate(rows, error_edges), label=scope
        )
        result.latency_ms[scope] = _latency(rows, edges, percentile_columns)
    result.users = users_series(history, edges)
    return result


def users_series(history: pd.DataFrame, edges: np.ndarray | None = None) -> Series | None:
    """Locust's user count (its Aggregated rows), mean per bin; None without such rows."""
    total = history[history[C.NAME].astype(str) == C.AGGREGATED]
    if total.empty:
        return None
    times = total[C.HIST_TIMESTAMP].to_numpy()
    if edges is None:
        all_times = history[C.HIST_TIMESTAMP].to_numpy()
        edges = bin_edges(float(all_times.min()), float(all_times.max()))
    users = binned(times, total[C.HIST_USERS].to_numpy(), edges)
    return Series(t_unix=centres(edges), values=users, label="users")


def target_series(resources: pd.DataFrame) -> tuple[Series, Series] | None:
    """The target's CPU (% of one core, summed over its processes) and RSS (MB) per bin."""
    rows = scope_rows(resources, "target")
    if rows.empty:
        return None
    sums = per_sample_sums(rows)
    times = sums[C.RES_TIMESTAMP].to_numpy()
    edges = bin_edges(float(times.min()), float(times.max()))
    cpu = binned(times, sums[C.RES_CPU_PCT].to_numpy(), edges)
    rss = binned(times, sums[C.RES_RSS_MB].to_numpy(), edges, how="max")
    return (
        sampled(Series(t_unix=centres(edges), values=cpu, label="target CPU")),
        sampled(Series(t_unix=centres(edges), values=rss, label="target RSS")),
    )


def loadgen_cpu_series(resources: pd.DataFrame) -> list[Series]:
    """CPU (% of one core) of each load-generator process per bin."""
    rows = scope_rows(resources, "loadgen")
    if rows.empty:
        return []
    times = rows[C.RES_TIMESTAMP].to_numpy()
    edges = bin_edges(float(times.min()), float(times.max()))
    result = []
    keys = [rows[C.RES_ROLE].astype(str), rows[C.RES_PID]]
    for (role, pid), proc in rows.groupby(keys, sort=True):
        cpu = binned(proc[C.RES_TIMESTAMP].to_numpy(), proc[C.RES_CPU_PCT].to_numpy(), edges)
        result.append(sampled(Series(t_unix=centres(edges), values=cpu, label=f"{role} (pid {pid:.0f})")))
    return result


def cache_hit_rate_series(target_metrics: pd.DataFrame) -> Series | None:
    """Δhits / (Δhits + Δmisses) per bin, when the target's cache counters were scraped."""
    hits = counter_series(target_metrics, C.METRIC_CACHE_HITS)
    misses = counter_series(target_metrics, C.METRIC_CACHE_MISSES)
    if hits.empty or misses.empty:
        return None
    times = hits[C.TM_TIMESTAMP].to_numpy()
    first_s = max(float(times.min()), float(misses[C.TM_TIMESTAMP].min()))
    edges = bin_edges(first_s, max(float(times.max()), first_s))
    # scrapes come about once a second, not on the bin edges: interpolate the counters between them
    d_hits = np.diff(np.interp(edges, times, hits[C.TM_VALUE].to_numpy()))
    d_misses = np.diff(np.interp(edges, misses[C.TM_TIMESTAMP].to_numpy(), misses[C.TM_VALUE].to_numpy()))
    lookups = d_hits + d_misses
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(lookups > 0, d_hits / np.maximum(lookups, 1e-300), np.nan)
    return Series(t_unix=centres(edges), values=rate, label="cache hit rate")
