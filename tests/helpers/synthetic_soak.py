"""A synthetic soak run with known truths (issue 13): the synthetic results directory
(synthetic.py, histograms included) with resources.csv rewritten so that the target's RSS and file
descriptors rise at known slopes (plus noise), harness processes of their own (locust-master and two
workers), and a known error burst written into interval_counts.csv: ``burst_ratio`` of one
operation's requests failing for ``burst_s`` seconds from ``burst_at_s`` (interval-aligned)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from memload import names as C
from synthetic import START_UNIX, SyntheticRun, write_synthetic_run

TARGET_RSS_MB, TARGET_FDS, TARGET_THREADS = 180.0, 30, 8
HARNESS = {"locust-master": (5001, 60.0), "locust-worker-1": (5002, 95.0), "locust-worker-2": (5003, 92.0)}
BURST_MESSAGE = "HTTPError('503 Server Error: Service Unavailable')"


@dataclass(frozen=True, kw_only=True)
class SoakSpec:
    hours: float = 2.0
    warmup_s: float = 300.0
    operations: tuple[str, ...] = ("create_memory", "search", "get_memory")
    rps_per_operation: float = 100.0
    rss_slope_mb_per_h: float = 20.0
    rss_noise_mb: float = 3.0  # normal noise, and a spike of +30 MB in 1 % of the samples
    fd_slope_per_h: float = 6.0
    harness_rss_slope_mb_per_h: dict[str, float] = field(default_factory=dict)  # role -> MB/h
    harness_fd_slope_per_h: dict[str, float] = field(default_factory=dict)  # role -> fds/h
    burst_at_s: int | None = 3600  # from the run's start; a multiple of 10
    burst_s: int = 180
    burst_ratio: float = 0.3
    burst_operation: str = "search"
    seed: int = 1


@dataclass(frozen=True, kw_only=True)
class SoakTruth:
    run_dir: Path
    burst_start_unix: float | None
    burst_end_unix: float | None
    burst_failures: int  # of the burst operation over the burst's intervals


def _resources(spec: SoakSpec, rng: np.random.Generator) -> pd.DataFrame:
    seconds = int(spec.hours * 3600)
    times = START_UNIX + np.arange(1, seconds + 1) + 0.01
    hours = (times - START_UNIX) / 3600.0
    spikes = np.where(rng.random(seconds) < 0.01, 30.0, 0.0)
    parts = [
        pd.DataFrame(
            {
                C.RES_TIMESTAMP: times,
                C.RES_ROLE: C.ROLE_TARGET,
                C.RES_PID: 4242,
                C.RES_CPU_PCT: np.clip(rng.normal(70.0, 5.0, seconds), 0, None).round(1),
                C.RES_RSS_MB: (
                    TARGET_RSS_MB
                    + spec.rss_slope_mb_per_h * hours
                    + rng.normal(0, spec.rss_noise_mb, seconds)
                    + spikes
                ).round(2),
                C.RES_THREADS: TARGET_THREADS + (rng.random(seconds) < 0.05),
                C.RES_NUM_FDS: TARGET_FDS
                + rng.integers(0, 5, seconds)
                + np.floor(spec.fd_slope_per_h * hours).astype(int),
            }
        )
    ]
    for role, (pid, rss) in HARNESS.items():
        slope = spec.harness_rss_slope_mb_per_h.get(role, 0.0)
        parts.append(
            pd.DataFrame(
                {
                    C.RES_TIMESTAMP: times + 0.002,
                    C.RES_ROLE: role,
                    C.RES_PID: pid,
                    C.RES_CPU_PCT: np.clip(rng.normal(40.0, 5.0, seconds), 0, None).round(1),
                    C.RES_RSS_MB: (rss + slope * hours + rng.normal(0, 1.0, seconds)).round(2),
                    C.RES_THREADS: 6,
                    C.RES_NUM_FDS: 20 + np.floor(spec.harness_fd_slope_per_h.get(role, 0.0) * hours).astype(int),
                }
            )
        )
    return pd.concat(parts).sort_values(C.RES_TIMESTAMP, kind="stable")


def _burst(run_dir: Path, spec: SoakSpec, rng: np.random.Generator) -> tuple[float | None, float | None, int]:
    if spec.burst_at_s is None:
        return None, None, 0
    assert spec.burst_at_s % C.INTERVAL_S == 0 and spec.burst_s % C.INTERVAL_S == 0
    counts = pd.read_csv(run_dir / C.COUNTS_CSV)
    start, end = START_UNIX + spec.burst_at_s, START_UNIX + spec.burst_at_s + spec.burst_s
    rows = (
        (counts[C.IC_SCOPE] == spec.burst_operation)
        & (counts[C.IC_INTERVAL] >= start)
        & (counts[C.IC_INTERVAL] < end)
    )
    failures = rng.binomial(counts.loc[rows, C.IC_REQUESTS].to_numpy(), spec.burst_ratio)
    counts.loc[rows, C.IC_FAILURES] = failures
    counts.to_csv(run_dir / C.COUNTS_CSV, index=False)
    return float(start), float(end), int(failures.sum())


def write_soak_run(run_dir: Path, spec: SoakSpec = SoakSpec()) -> SoakTruth:
    """The directory and what the soak analysis should find in it."""
    base = SyntheticRun(
        duration_s=int(spec.hours * 3600),
        operations=spec.operations,
        rps_per_operation=spec.rps_per_operation,
        warmup_s=spec.warmup_s,
        seed=spec.seed,
    )
    write_synthetic_run(run_dir, base)
    rng = np.random.default_rng(spec.seed + 101)
    _resources(spec, rng).to_csv(run_dir / C.RESOURCES_CSV, index=False)
    start, end, failures = _burst(run_dir, spec, rng)
    (run_dir / C.FAILURES_CSV).write_text(
        "Method,Name,Error,Occurrences,First Seen,Last Seen\n"
        f'POST,{spec.burst_operation},"{BURST_MESSAGE}",{max(failures, 1)},,\n'
        f"GET,{spec.operations[0]},HTTPError('500 Server Error'),3,,\n"
    )
    meta = json.loads((run_dir / C.RUN_JSON).read_text())
    meta.update(scenario_name="soak", scenario={"name": "soak", "load": {"shape": "constant", "users": 50}})
    (run_dir / C.RUN_JSON).write_text(json.dumps(meta, indent=2) + "\n")
    return SoakTruth(run_dir=run_dir, burst_start_unix=start, burst_end_unix=end, burst_failures=failures)


def flat(spec: SoakSpec = SoakSpec(), **changes: object) -> SoakSpec:
    """The same run with nothing rising and no burst."""
    return replace(spec, rss_slope_mb_per_h=0.0, fd_slope_per_h=0.0, burst_at_s=None, **changes)  # type: ignore[arg-type]
