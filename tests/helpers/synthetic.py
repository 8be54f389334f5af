"""A synthetic results directory in the layout of results/README.md, for the report benchmark
(benchmarks/bench_report.py: 24 h, 8 operations) and for tests. Seeded, vectorised: no Locust."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from memload import names as C
from memload.scenario.figures import OPERATIONS
from synthetic_hdr import write_interval_files

PERCENTS = (50, 66, 75, 80, 90, 95, 98, 99, 99.9, 99.99, 100)
SPREAD = np.array([1.0, 1.2, 1.35, 1.45, 1.8, 2.2, 2.8, 3.3, 5.0, 7.0, 8.0])  # pNN / p50
START_UNIX = 1_800_000_000


@dataclass(frozen=True, kw_only=True)
class SyntheticRun:
    duration_s: int = 60
    operations: tuple[str, ...] = OPERATIONS[:8]
    rps_per_operation: float = 100.0
    failure_ratio: float = 0.001
    warmup_s: float = 10.0
    loadgen_cpu_pct: float = 60.0
    target_metrics_per_s: int = 12  # raw Prometheus samples per scrape (2 of them the cache counters)
    histograms: bool = True  # also memload's hdr_histograms.csv and interval_counts.csv
    seed: int = 1


def locust_round(ms: np.ndarray) -> np.ndarray:
    """Locust's bucket_response_time: ~2 significant digits."""
    return np.select(
        [ms < 100, ms < 1000, ms < 10000],
        [np.round(ms), np.round(ms, -1), np.round(ms, -2)],
        np.round(ms, -3),
    )


def _history(spec: SyntheticRun, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    seconds, ops = spec.duration_s, len(spec.operations)
    times = START_UNIX + np.arange(1, seconds + 1)
    per_s = rng.poisson(spec.rps_per_operation, size=(seconds, ops)).astype(float)
    counts = np.cumsum(per_s, axis=0)
    failures = np.cumsum(rng.binomial(per_s.astype(int), spec.failure_ratio), axis=0).astype(float)
    median_ms = np.linspace(2.0, 60.0, ops) * rng.lognormal(0.0, 0.1, size=(seconds, ops))
    points = locust_round(median_ms[:, :, None] * SPREAD)  # (seconds, ops, percentiles)
    avg = np.cumsum(per_s * median_ms * 1.15, axis=0) / np.maximum(counts, 1)
    total_points = points.max(axis=1)
    total_counts, total_failures = counts.sum(axis=1), failures.sum(axis=1)
    total_avg = (avg * counts).sum(axis=1) / np.maximum(total_counts, 1)
    rows = ops + 1
    frame = pd.DataFrame(
        {
            C.HIST_TIMESTAMP: np.repeat(times, rows),
            C.HIST_USERS: 50,
            C.TYPE: np.tile(["GET"] * ops + [""], seconds),
            C.NAME: np.tile(list(spec.operations) + [C.AGGREGATED], seconds),
            "Requests/s": np.column_stack((per_s, per_s.sum(axis=1))).ravel(),
            "Failures/s": 0.0,
        }
    )
    all_points = np.concatenate((points, total_points[:, None, :]), axis=1).reshape(seconds * rows, -1)
    for index, percent in enumerate(PERCENTS):
        frame[f"{percent:g}%"] = all_points[:, index].astype(int)
    frame[C.HIST_REQUESTS] = np.column_stack((counts, total_counts)).ravel().astype(int)
    frame[C.HIST_FAILURES] = np.column_stack((failures, total_failures)).ravel().astype(int)
    frame["Total Median Response Time"] = all_points[:, 0].astype(int)
    frame[C.HIST_AVG_MS] = np.column_stack((avg, total_avg)).ravel()
    frame[C.HIST_MIN_MS] = 1.0
    frame[C.HIST_MAX_MS] = np.maximum.accumulate(all_points[:, -1].reshape(seconds, rows), axis=0).ravel()
    frame["Total Average Content Size"] = 12.0
    return frame, times


def _stats(history: pd.DataFrame, duration_s: int) -> pd.DataFrame:
    last = history[history[C.HIST_TIMESTAMP] == history[C.HIST_TIMESTAMP].max()]
    percent_columns = [f"{p:g}%" for p in PERCENTS]
    return pd.DataFrame(
        {
            C.TYPE: last[C.TYPE].to_numpy(),
            C.NAME: last[C.NAME].to_numpy(),
            C.STATS_REQUESTS: last[C.HIST_REQUESTS].to_numpy(),
            C.STATS_FAILURES: last[C.HIST_FAILURES].to_numpy(),
            "Median Response Time": last[percent_columns[0]].to_numpy(),
            C.STATS_AVG_MS: last[C.HIST_AVG_MS].to_numpy(),
            C.STATS_MIN_MS: 1.0,
            C.STATS_MAX_MS: last[C.HIST_MAX_MS].to_numpy(),
            "Average Content Size": 12.0,
            C.STATS_RPS: last[C.HIST_REQUESTS].to_numpy() / duration_s,
            "Failures/s": 0.0,
            **{column: last[column].to_numpy() for column in percent_columns},
        }
    )


def _resources(spec: SyntheticRun, times: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    seconds = times.size
    roles = {"target": (4242, 70.0, 180.0), "locust": (4243, spec.loadgen_cpu_pct, 90.0)}
    parts = []
    for role, (pid, cpu, rss) in roles.items():
        parts.append(
            pd.DataFrame(
                {
                    C.RES_TIMESTAMP: times + 0.01,
                    C.RES_ROLE: role,
                    C.RES_PID: pid,
                    C.RES_CPU_PCT: np.clip(rng.normal(cpu, 5.0, seconds), 0, None).round(1),
                    C.RES_RSS_MB: (rss + np.linspace(0, 40, seconds) + rng.normal(0, 1, seconds)).round(2),
                    C.RES_THREADS: 8,
                    C.RES_NUM_FDS: 30 + rng.integers(0, 5, seconds),
                }
            )
        )
    return pd.concat(parts).sort_values(C.RES_TIMESTAMP, kind="stable")


def _target_metrics(spec: SyntheticRun, times: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    hits = np.cumsum(rng.poisson(90, times.size)).astype(float)
    misses = np.cumsum(rng.poisson(10, times.size)).astype(float)
    series = {(C.METRIC_CACHE_HITS, ""): hits, (C.METRIC_CACHE_MISSES, ""): misses}
    for index in range(max(0, spec.target_metrics_per_s - 2)):
        route = f'route="/v1/op{index}",method="GET",status="200"'
        series[("memload_http_requests_total", route)] = np.cumsum(rng.poisson(100, times.size)).astype(float)
    parts = [
        pd.DataFrame(
            {C.TM_TIMESTAMP: times + 0.02, C.TM_METRIC: metric, C.TM_LABELS: labels, C.TM_VALUE: values}
        )
        for (metric, labels), values in series.items()
    ]
    return pd.concat(parts).sort_values(C.TM_TIMESTAMP, kind="stable")


def write_synthetic_run(run_dir: Path, spec: SyntheticRun = SyntheticRun()) -> Path:
    """Write run.json, the four Locust CSVs, resources.csv, target_metrics.csv and (``spec.histograms``)
    memload's hdr_histograms.csv and interval_counts.csv into ``run_dir``."""
    rng = np.random.default_rng(spec.seed)
    run_dir.mkdir(parents=True, exist_ok=True)
    history, times = _history(spec, rng)
    history.to_csv(run_dir / C.HISTORY_CSV, index=False)
    _stats(history, spec.duration_s).to_csv(run_dir / C.STATS_CSV, index=False)
    (run_dir / C.FAILURES_CSV).write_text(
        "Method,Name,Error,Occurrences,First Seen,Last Seen\n"
        f"GET,{spec.operations[0]},HTTPError('500 Server Error'),3,,\n"
    )
    (run_dir / C.EXCEPTIONS_CSV).write_text("Count,Message,Traceback,Nodes\n")
    _resources(spec, times, rng).to_csv(run_dir / C.RESOURCES_CSV, index=False)
    _target_metrics(spec, times, rng).to_csv(run_dir / C.TARGET_METRICS_CSV, index=False)
    if spec.histograms:
        write_interval_files(
            run_dir,
            start_unix=START_UNIX,
            duration_s=spec.duration_s,
            operations=spec.operations,
            rps_per_operation=spec.rps_per_operation,
            failure_ratio=spec.failure_ratio,
            seed=spec.seed,
        )
    thresholds = {
        f"{spec.operations[0]}.p95_ms": "< 50",
        "total.error_rate": "< 0.01",
        "total.rps": f"> {spec.rps_per_operation * len(spec.operations) / 2:g}",
        "target.rss_mb": "< 512",
        "target.cache_hit_rate": "> 0.8",
    }
    meta = {
        "schema_version": 1,
        "scenario_name": "synthetic",
        "thresholds": thresholds,
        "warmup_s": spec.warmup_s,
        "start_unix": float(START_UNIX),
        "end_unix": float(START_UNIX + spec.duration_s + 0.5),
        "exit_status": "completed",
        "host": "http://127.0.0.1:0",
        "target": "synthetic",
        "workers": 0,
        "versions": {"locust": "2.47.0"},
    }
    (run_dir / C.RUN_JSON).write_text(json.dumps(meta, indent=2) + "\n")
    return run_dir
