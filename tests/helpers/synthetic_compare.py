"""Synthetic results directories for comparing runs (issue 15): ``intervals`` 10 s intervals of
load per operation, written by memload's own store (analysis_testkit.write_interval_files), with
a run.json whose resolved scenario can be set; ``start`` moves the run in time (history), and
``target`` adds resources.csv samples of the target (CPU and RSS)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from analysis_testkit import T0, hist_row, make_run, write_interval_files

OPERATIONS = {"search": 5.0, "create_memory": 4.0}  # median response time, ms


def scenario_dict(name: str = "steady", seed: int = 1) -> dict:
    return {
        "name": name,
        "seed": seed,
        "mix": {"search": 1, "create_memory": 1},
        "load": {"shape": "constant", "users": 10, "duration_s": 300.0},
    }


def synthetic_run(
    run_dir: Path,
    *,
    seed: int,
    start: int = T0,
    target: tuple[float, float] | None = None,
    meta: dict | None = None,
    intervals: int = 20,
    rate: float = 10.0,
    shift_ms: dict[str, float] | None = None,
    factor: dict[str, float] | None = None,
    error_rate: float = 0.01,
    scenario: dict | None = None,
) -> Path:
    """``intervals`` 10 s intervals of load from T0; per operation a Poisson number of requests
    (``rate`` per s) per interval with lognormal times (median from OPERATIONS, sigma 0.3) times
    ``factor`` plus ``shift_ms``, and binomial failures."""
    rng = np.random.default_rng(seed)
    shift_ms, factor = shift_ms or {}, factor or {}
    samples, counts = [], []
    for k in range(intervals):
        begin = start + 10 * k
        for scope, median in OPERATIONS.items():
            n = int(rng.poisson(rate * 10))
            times = begin + np.sort(rng.uniform(0.0, 10.0, n))
            values = median * np.exp(rng.normal(0.0, 0.3, n)) * factor.get(scope, 1.0) + shift_ms.get(
                scope, 0.0
            )
            samples += [(float(t), scope, "response_ms", float(v)) for t, v in zip(times, values)]
            failures = int(rng.binomial(n, error_rate))
            if failures:
                counts.append((begin + 5.0, scope, "failures", failures))
    end = start + 10 * intervals
    history = [hist_row(t, "search", 1, users=1) for t in range(start + 1, end)]
    make_run(
        run_dir,
        history,
        start_unix=float(start),
        end_unix=float(end),
        warmup_s=0.0,
        scenario=scenario or scenario_dict(),
        scenario_name=(scenario or scenario_dict())["name"],
        **(meta or {}),
    )
    if target is not None:
        write_target_resources(run_dir, rng, start=start, end=end, cpu_pct=target[0], rss_mb=target[1])
    return write_interval_files(run_dir, samples, counts)


def write_target_resources(
    run_dir: Path, rng: np.random.Generator, *, start: int, end: int, cpu_pct: float, rss_mb: float
) -> None:
    """resources.csv: one target sample a second, CPU and RSS with 5 % and 1 % noise."""
    with open(run_dir / "resources.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("timestamp", "role", "pid", "cpu_pct", "rss_mb", "threads", "num_fds"))
        for t in range(start, end):
            cpu = cpu_pct * (1 + rng.normal(0, 0.05))
            rss = rss_mb * (1 + rng.normal(0, 0.01))
            writer.writerow((t + 0.5, "target", 100, f"{cpu:.2f}", f"{rss:.2f}", 8, 20))
