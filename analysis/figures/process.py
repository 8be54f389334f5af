"""Process figures (``target.*``, ``loadgen.*``) from resources.csv and the target's cache hit
rate from target_metrics.csv, over the steady window.

- target: the service as a whole. Per sample, the target's processes are summed; ``cpu_pct`` is
  the mean of that sum (percent of one core), ``cpu_pct_max`` its peak, and ``rss_mb``,
  ``num_fds``, ``threads`` are peaks.
- loadgen: a Locust process saturates at one core, so CPU is per process: ``cpu_pct`` is the
  busiest process's mean, ``cpu_pct_max`` the highest sample of any; ``rss_mb``, ``num_fds``,
  ``threads`` are peaks of the per-sample sum over the load generator's processes.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from memload import names as C
from memload.analysis.read.window import Window

if TYPE_CHECKING:
    from pandas.core.groupby import SeriesGroupBy

LOADGEN_CPU_WARN_PCT = 90.0
SAMPLE_GAP_S = 0.25  # rows closer than this belong to one monitor sample
_PEAKS = {"rss_mb": C.RES_RSS_MB, "num_fds": C.RES_NUM_FDS, "threads": C.RES_THREADS}


def scope_rows(resources: pd.DataFrame, scope: str) -> pd.DataFrame:
    """resources.csv rows of ``target`` or ``loadgen``."""
    roles = resources[C.RES_ROLE].astype(str)
    if scope == "target":
        return resources[roles == C.ROLE_TARGET]
    return resources[roles.str.startswith(C.ROLE_LOADGEN_PREFIX)]


def per_sample_sums(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per monitor sample: the sum over processes, at the sample's first timestamp."""
    rows = rows.sort_values(C.RES_TIMESTAMP, kind="stable")
    times = rows[C.RES_TIMESTAMP].to_numpy()
    sample = np.concatenate(([0], np.cumsum(np.diff(times) > SAMPLE_GAP_S))) if times.size else times
    values = [C.RES_CPU_PCT, C.RES_RSS_MB, C.RES_NUM_FDS, C.RES_THREADS]
    sums = rows[values].groupby(sample).sum()
    sums.insert(0, C.RES_TIMESTAMP, rows[C.RES_TIMESTAMP].groupby(sample).min().to_numpy())
    return sums.reset_index(drop=True)


def _in_window(frame: pd.DataFrame, column: str, window: Window) -> pd.DataFrame:
    times = frame[column]
    return frame[(times >= window.start_unix) & (times <= window.end_unix)]


def _peaks(sums: pd.DataFrame, scope: str) -> dict[str, float]:
    return {f"{scope}.{name}": float(sums[column].max()) for name, column in _PEAKS.items()}


def process_figures(resources: pd.DataFrame, window: Window) -> tuple[dict[str, float], list[str]]:
    """``target.*`` and ``loadgen.*`` process figures and the load-generator CPU warning."""
    figures: dict[str, float] = {}
    warnings: list[str] = []
    steady = _in_window(resources, C.RES_TIMESTAMP, window)
    target = scope_rows(steady, "target")
    if not target.empty:
        sums = per_sample_sums(target)
        figures["target.cpu_pct"] = float(sums[C.RES_CPU_PCT].mean())
        figures["target.cpu_pct_max"] = float(sums[C.RES_CPU_PCT].max())
        figures.update(_peaks(sums, "target"))
    loadgen = scope_rows(steady, "loadgen")
    if not loadgen.empty:
        keys = [loadgen[C.RES_ROLE].astype(str), loadgen[C.RES_PID]]
        cpu = loadgen[C.RES_CPU_PCT]
        figures["loadgen.cpu_pct"] = float(cpu.groupby(keys).mean().max())
        figures["loadgen.cpu_pct_max"] = float(cpu.max())
        figures.update(_peaks(per_sample_sums(loadgen), "loadgen"))
        warnings.extend(_loadgen_warnings(cpu.groupby(keys)))
    return {k: v for k, v in figures.items() if math.isfinite(v)}, warnings


def _loadgen_warnings(cpu_by_process: SeriesGroupBy) -> list[str]:
    """One warning per load-generator process that went above 90 % of a core."""
    stats = cpu_by_process.agg(
        peak="max", samples="size", busy=lambda cpu: int((cpu > LOADGEN_CPU_WARN_PCT).sum())
    )
    warnings = []
    for (role, pid), row in stats[stats["peak"] > LOADGEN_CPU_WARN_PCT].iterrows():
        warnings.append(
            f"load generator above {LOADGEN_CPU_WARN_PCT:.0f}% CPU: {role} (pid {pid:.0f}) peaked at "
            f"{row['peak']:.0f}% and was above {LOADGEN_CPU_WARN_PCT:.0f}% in {row['busy']:.0f} of "
            f"{row['samples']:.0f} samples; latencies may include its own queueing"
        )
    return warnings


def monotone_counter(values: np.ndarray) -> np.ndarray:
    """A Prometheus counter made monotone across resets (a drop means it restarted from 0)."""
    if values.size == 0:
        return values
    steps = np.diff(values, prepend=values[:1])
    return values[0] + np.cumsum(np.where(steps < 0, values, steps))


def counter_series(target_metrics: pd.DataFrame, metric: str) -> pd.DataFrame:
    """One counter summed over its label sets per timestamp, made monotone: (timestamp, value)."""
    rows = target_metrics[target_metrics[C.TM_METRIC].astype(str) == metric]
    summed = rows.groupby(C.TM_TIMESTAMP, sort=True)[C.TM_VALUE].sum()
    times = summed.index.to_numpy(dtype=float)
    return pd.DataFrame({C.TM_TIMESTAMP: times, C.TM_VALUE: monotone_counter(summed.to_numpy(dtype=float))})


def cache_hit_rate(
    target_metrics: pd.DataFrame,
    window: Window,
    *,
    hits: str = C.METRIC_CACHE_HITS,
    misses: str = C.METRIC_CACHE_MISSES,
) -> float | None:
    """Δhits / (Δhits + Δmisses) between the first and last scrapes inside the window."""
    deltas = []
    for metric in (hits, misses):
        series = _in_window(counter_series(target_metrics, metric), C.TM_TIMESTAMP, window)
        if series.empty:
            return None
        values = series[C.TM_VALUE].to_numpy()
        deltas.append(float(values[-1] - values[0]))
    hit_count, miss_count = deltas
    return hit_count / (hit_count + miss_count) if hit_count + miss_count > 0 else None
