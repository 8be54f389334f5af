"""The proofs of issue 12 against a reference service whose capacity is known: ``max_inflight`` slots
each held ``service_time_ms``, so throughput saturates at max_inflight × 1000 / service_time_ms
requests/s, and an arrival rate's latency is that of an M/D/c queue (Poisson arrivals, c servers, a
fixed service time) plus the service's own small overhead.

- ``proof_steps``: a concurrency-steps run; its saturation against the truth.
- ``proof_search``: `memload capacity` with an SLO of p95 < 3 × service time; its answer against the
  M/D/c rate at which the p95 time in system equals the SLO (computed by simulating the queue).
Run short by tests/truth, longer by benchmarks/bench_capacity.py, which prints the figures.
"""

from __future__ import annotations

import heapq
import json
import random
from pathlib import Path
from typing import Any

from memload_cli import run_memload

STEPS_SCENARIO = """
name = "capacity-truth"
seed = 12
[load]
shape = "steps"
steps = {steps}
step_duration = "{step_s}s"
spawn_rate = 100
[pacing]
wait = "none"
[mix]
list_memories = 1
[reference]
max_inflight = {slots}
service_time_ms = {service_ms}
[capacity]
slo = ["total.p95_ms < {slo_ms}"]
"""

SEARCH_SCENARIO = """
name = "capacity-search-truth"
seed = 13
[arrival]
rate = {start_rate}
distribution = "poisson"
tenants = 50
max_concurrency = 1000
duration = "30s"
[mix]
list_memories = 1
[reference]
max_inflight = {slots}
service_time_ms = {service_ms}
[capacity]
slo = ["total.p95_ms < {slo_ms}"]
probe_duration = "{probe_s}s"
probe_warmup = "{warmup_s}s"
bracket_pct = {bracket_pct}
"""


def proof_steps(
    work: Path,
    *,
    slots: int = 4,
    service_ms: float = 50.0,
    step_s: int = 30,
    steps: tuple[int, ...] = (1, 2, 4, 8, 16, 32),
) -> dict[str, Any]:
    path = work / "steps.toml"
    path.write_text(
        STEPS_SCENARIO.format(
            steps=list(steps), step_s=step_s, slots=slots, service_ms=service_ms, slo_ms=3 * service_ms
        )
    )
    out = work / "steps-out"
    result = run_memload("run", str(path), "--out", str(out), "--quiet", timeout=step_s * len(steps) + 180)
    if result.returncode not in (0, 1):
        raise RuntimeError(result.stderr[-2000:])
    run_dir = next(out.iterdir())
    summary = json.loads((run_dir / "report" / "summary.json").read_text())
    truth = slots * 1000.0 / service_ms
    saturation = summary["figures"].get("capacity.saturation_rps", 0.0)
    return {
        "run_dir": str(run_dir),
        "truth_rps": truth,
        "saturation_rps": saturation,
        "rel_error": saturation / truth - 1.0,
        "figures": summary["figures"],
        "answer": (run_dir / "report" / "report.md").read_text().splitlines()[2],
    }


def md_c_p95_s(
    rate: float, *, servers: int, service_s: float, arrivals: int = 200_000, seed: int = 1
) -> float:
    """p95 of the time in system of an M/D/c FIFO queue, by simulating ``arrivals`` Poisson arrivals."""
    rng = random.Random(seed)
    free_at = [0.0] * servers  # when each server is next free (a heap)
    now, times = 0.0, []
    for _ in range(arrivals):
        now += rng.expovariate(rate)
        start = max(now, heapq.heappop(free_at))
        heapq.heappush(free_at, start + service_s)
        times.append(start + service_s - now)
    times.sort()
    return times[int(0.95 * len(times))]


def md_c_max_rate(slo_s: float, *, servers: int, service_s: float) -> float:
    """The arrival rate at which the M/D/c queue's p95 time in system equals ``slo_s`` (bisection)."""
    low, high = 0.0, servers / service_s
    for _ in range(40):
        middle = (low + high) / 2.0
        if md_c_p95_s(middle, servers=servers, service_s=service_s) <= slo_s:
            low = middle
        else:
            high = middle
    return low


def proof_search(
    work: Path,
    *,
    slots: int = 4,
    service_ms: float = 50.0,
    probe_s: int = 20,
    warmup_s: int = 5,
    start_rate: float = 40.0,
    bracket_pct: float = 2.0,
) -> dict[str, Any]:
    slo_ms = 3 * service_ms
    path = work / "search.toml"
    path.write_text(
        SEARCH_SCENARIO.format(
            start_rate=start_rate,
            slots=slots,
            service_ms=service_ms,
            slo_ms=slo_ms,
            probe_s=probe_s,
            warmup_s=warmup_s,
            bracket_pct=bracket_pct,
        )
    )
    out = work / "search-out"
    result = run_memload("capacity", str(path), "--out", str(out), timeout=20 * (probe_s + warmup_s + 20))
    if result.returncode not in (0, 1):
        raise RuntimeError(result.stderr[-2000:])
    search_dir = next(out.iterdir())
    document = json.loads((search_dir / "capacity_search.json").read_text())
    found = document["max_rate_at_slo"] or 0.0
    model = md_c_max_rate(slo_ms / 1000.0, servers=slots, service_s=service_ms / 1000.0)
    return {
        "search_dir": str(search_dir),
        "max_rate_at_slo": found,
        "md_c_rate": model,
        "saturation_rps": slots * 1000.0 / service_ms,
        "rel_error": found / model - 1.0,
        "probes": [(p["rate"], p["passed"], p["figures"].get("total.p95_ms")) for p in document["probes"]],
        "answer": result.stdout.strip().splitlines()[-2],
    }
