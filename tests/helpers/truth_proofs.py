"""The proofs of issue 5 ("truthful numbers") against the real reference target, each returning
its figures as a dict: tests/truth runs them short; benchmarks/bench_truth.py runs them longer and
prints them (its docstring says what each proves). Subprocesses, the loopback probe and the access
log are in truthkit.py."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from memload.analysis.compare.curves import plot_percentile_curves, run_distribution
from memload.analysis.figures.runtable import whole_run_figures
from memload.analysis.plots.kit import save_png
from truthkit import (
    PROBE_TAG,
    load_span_unix,
    locust_row,
    loopback_probe,
    memload_figures,
    nearest_rank,
    rss_slopes_mb_per_h,
    run_scenario,
    serve,
    server_times_ms,
    truth_percentiles,
)

# Closed model: proofs a and c (users waiting 0-50 ms between requests) and b's closed run.
CLOSED_SCENARIO = """
name = "{name}"
seed = {seed}
[load]
shape = "constant"
users = {users}
spawn_rate = 100
duration = "{duration_s}s"
[pacing]
{pacing}
[mix]
{mix}
"""
BETWEEN_0_50_MS = 'wait = "between"\nmin_s = 0.0\nmax_s = 0.05'


def closed_scenario(
    *, name: str, seed: int, users: int, duration_s: int, mix: str, pacing: str = BETWEEN_0_50_MS
) -> str:
    return CLOSED_SCENARIO.format(
        name=name, seed=seed, users=users, duration_s=duration_s, mix=mix, pacing=pacing
    )


# -- a. fixed added latency --------------------------------------------------------------------
def proof_fixed(
    work: Path, *, users: int = 5, duration_s: int = 30, added_ms: float = 50.0
) -> dict[str, Any]:
    """memload's p50/p99 against the truth: the target's own time for each of memload's requests
    plus the loopback round trip a minimal client measures at the same time (LoopbackProbe)."""
    log = work / f"fixed-target-{time.time_ns()}.log"
    work.mkdir(parents=True, exist_ok=True)
    body = json.dumps(
        {"user_id": "truth-probe", "query": "what did I say about the weather", "top_k": 10}
    ).encode()
    with serve(log, "--added-latency-ms", f"{added_ms:g}", "--log-requests") as url:
        with loopback_probe(url, "/v1/search", body, log.with_suffix(".probe")) as probe_file:
            run_dir = run_scenario(
                closed_scenario(
                    name="truth_fixed", seed=3, users=users, duration_s=duration_s, mix="search = 1"
                ),
                work,
                "fixed",
                "--host",
                url,
            )
    server = server_times_ms(log, "POST /v1/search ")
    probe_server = server_times_ms(log, f"POST /v1/search?{PROBE_TAG} ")
    probe_client = np.loadtxt(probe_file, ndmin=1)
    count = min(probe_client.size, probe_server.size)
    loopback = probe_client[:count] - probe_server[:count]
    truth = truth_percentiles(server, loopback, (50.0, 99.0))
    figures, locust = memload_figures(run_dir), locust_row(run_dir, "search")
    result: dict[str, Any] = {
        "run_dir": str(run_dir),
        "requests_target": int(server.size),
        "requests_memload": figures["search.requests"],
        "probe_requests": int(loopback.size),
    }
    for label, percent in (("p50", 50.0), ("p99", 99.0)):
        result[f"server_{label}_ms"] = nearest_rank(server, percent)
        result[f"loopback_{label}_ms"] = nearest_rank(loopback, percent)
        result[f"truth_{label}_ms"] = truth[percent]
        result[f"memload_{label}_ms"] = figures[f"search.{label}_ms"]
        result[f"locust_{label}_ms"] = float(locust[f"{percent:g}%"])
        result[f"diff_{label}_ms"] = result[f"memload_{label}_ms"] - result[f"truth_{label}_ms"]
    return result


# -- b. periodic stall: open against closed ----------------------------------------------------
STALL_REFERENCE = """
[reference]
stall_every_s = 10
stall_for_s = 1
"""
OPEN_STALL = (
    """
name = "truth_stall_open"
seed = 4
[arrival]
rate = {rate}
distribution = "constant"
max_concurrency = 500
duration = "{duration_s}s"
[mix]
search = 1
"""
    + STALL_REFERENCE
)


def proof_stall(
    work: Path, *, rate: float = 100.0, users: int = 5, duration_s: int = 60, plot_path: Path | None = None
) -> dict[str, Any]:
    open_dir = run_scenario(OPEN_STALL.format(rate=rate, duration_s=duration_s), work, "stall-open")
    closed_pacing = f'wait = "constant_throughput"\nrate_per_s = {rate / users}'
    closed_dir = run_scenario(
        closed_scenario(
            name="truth_stall_closed",
            seed=4,
            users=users,
            duration_s=duration_s,
            pacing=closed_pacing,
            mix="search = 1",
        )
        + STALL_REFERENCE,
        work,
        "stall-closed",
    )
    open_figures, closed_figures = memload_figures(open_dir), memload_figures(closed_dir)
    curves = {
        f"open model: {rate:g} requests/s, constant arrivals, timed from the scheduled start": run_distribution(
            open_dir
        ),
        f"closed model: {users} users × {rate / users:g} requests/s, each waiting for its response": run_distribution(
            closed_dir
        ),
    }
    if plot_path is not None:
        figure = plot_percentile_curves(
            curves,
            title="The same target, stalling 1 s every 10 s, measured two ways",
            log_y=True,
            reference_lines={"850 ms": 850.0},
        )
        save_png(figure, plot_path)
    return {
        "open_dir": str(open_dir),
        "closed_dir": str(closed_dir),
        "open_requests": open_figures["total.requests"],
        "closed_requests": closed_figures["total.requests"],
        "open_rps": open_figures["total.rps"],
        "closed_rps": closed_figures["total.rps"],
        "open_p50_ms": open_figures["total.p50_ms"],
        "open_p99_ms": open_figures["total.p99_ms"],
        "closed_p50_ms": closed_figures["total.p50_ms"],
        "closed_p99_ms": closed_figures["total.p99_ms"],
        "open_dropped": open_figures.get("total.dropped", 0.0),
        "open_locust_p99_ms": float(locust_row(open_dir, "Aggregated")["99%"]),
        "closed_locust_p99_ms": float(locust_row(closed_dir, "Aggregated")["99%"]),
        "plot": None if plot_path is None else str(plot_path),
    }


# -- c. two workers' merged histograms ---------------------------------------------------------
def hdrh_percentiles(run_dir: Path, intervals: set[float], scope: str | None) -> dict[str, float]:
    """p50..p999 and max of response_ms merged by hdrh itself (HdrHistogram.decode and add) over
    the rows of ``intervals`` (of ``scope``, or every scope for None), in ms."""
    import csv

    from hdrh.histogram import HdrHistogram

    from memload.loadgen.histograms import new_histogram

    total = new_histogram()
    with open(run_dir / "hdr_histograms.csv", newline="") as file:
        for row in csv.DictReader(file):
            if (
                row["metric"] == "response_ms"
                and float(row["interval_start"]) in intervals
                and (scope is None or row["scope"] == scope)
            ):
                total.add(HdrHistogram.decode(row["histogram"].encode("ascii")))
    labels = {"p50": 50.0, "p90": 90.0, "p95": 95.0, "p99": 99.0, "p999": 99.9, "max": 100.0}
    return {f"{label}_ms": total.get_value_at_percentile(p) / 1000.0 for label, p in labels.items()}


def proof_merged(work: Path, *, duration_s: int = 20) -> dict[str, Any]:
    run_dir = run_scenario(
        closed_scenario(
            name="truth_merged",
            seed=5,
            users=20,
            duration_s=duration_s,
            mix="search = 2\ncreate_memory = 2\nlist_memories = 1",
        ),
        work,
        "merged",
        "--workers",
        "2",
        report=True,
    )
    summary = json.loads((run_dir / "report" / "summary.json").read_text())
    intervals = set(summary["window"]["intervals"])
    compared, differences = 0, []
    for scope in [*(s for s in summary["operations"] if s != "total"), "total"]:
        expected = hdrh_percentiles(run_dir, intervals, None if scope == "total" else scope)
        for metric, value in expected.items():
            compared += 1
            differences.append(abs(summary["figures"][f"{scope}.{metric}"] - value))
    workers = {p.name for p in run_dir.glob("locust-worker-*.log")}
    return {
        "run_dir": str(run_dir),
        "workers": len(workers),
        "intervals": len(intervals),
        "figures_compared": compared,
        "max_abs_difference_ms": max(differences),
        "requests": summary["figures"]["total.requests"],
    }


# -- d. TTFT and TPOT against the gpt-3.5-turbo profile ----------------------------------------
LLM_SCENARIO = """
name = "truth_llm"
seed = 6
[arrival]
rate = {rate}
distribution = "poisson"
max_concurrency = 400
duration = "{duration_s}s"
[mix]
llm_chat = 1
[llm]
model = "gpt-3.5-turbo"
stream = true
max_tokens = {max_tokens}
temperature = 0.7
[reference]
cache = false
"""


def configured_llm_ms(
    *, max_tokens: int, samples: int = 200_000, seed: int = 11
) -> dict[str, dict[str, float]]:
    """The target's configured TTFT quantiles and its TPOT quantiles, derived by drawing many
    plans from its own pure sampler (memload.reference.llm.profiles), in ms."""
    from memload.reference.llm.profiles import PROFILES, LatencySampler, configured_quantiles_s

    profile = PROFILES["gpt-3.5-turbo"]
    ttft = {q: v * 1000.0 for q, v in configured_quantiles_s(profile)["ttft"].items()}
    sampler = LatencySampler(seed=seed)
    tpot = np.array([sampler.plan(profile, max_tokens=max_tokens).tpot_s for _ in range(samples)]) * 1000.0
    return {
        "ttft": ttft,
        "tpot": {q: float(np.percentile(tpot, p)) for q, p in (("p50", 50), ("p95", 95), ("p99", 99))},
    }


def proof_llm(
    work: Path, *, rate: float = 40.0, duration_s: int = 25, max_tokens: int = 64
) -> dict[str, Any]:
    run_dir = run_scenario(
        LLM_SCENARIO.format(rate=rate, duration_s=duration_s, max_tokens=max_tokens), work, "llm"
    )
    exact = whole_run_figures(run_dir)
    assert exact is not None
    _, view = exact
    from memload.analysis.figures.llm import llm_figures

    measured = llm_figures(view)
    configured = configured_llm_ms(max_tokens=max_tokens)
    result: dict[str, Any] = {
        "run_dir": str(run_dir),
        "requests": view.counts["total"]["llm_requests"],
        "failures": view.counts["total"]["failures"],
    }
    for name in ("ttft", "tpot"):
        for q in ("p50", "p95", "p99"):
            value = measured[f"llm_chat.{name}_{q}_ms"]
            result[f"{name}_{q}_ms"] = value
            result[f"{name}_{q}_configured_ms"] = configured[name][q]
            result[f"{name}_{q}_rel_error"] = value / configured[name][q] - 1.0
    return result


# -- e. memory of the load generator -----------------------------------------------------------
MEMORY_SCENARIO = """
name = "truth_memory"
seed = 7
[arrival]
rate = {rate}
distribution = "poisson"
max_concurrency = 500
duration = "{duration_s}s"
[mix]
get_memory = 1
list_memories = 1
search = 1
"""


def proof_memory(
    work: Path, *, minutes: float = 10.0, rate: float = 500.0, workers: int = 2
) -> dict[str, Any]:
    run_dir = run_scenario(
        MEMORY_SCENARIO.format(rate=rate, duration_s=int(minutes * 60)),
        work,
        "memory",
        "--workers",
        str(workers),
        duration_s=minutes * 60,
    )
    figures = memload_figures(run_dir)
    start, end = load_span_unix(run_dir)
    return {
        "run_dir": str(run_dir),
        "rps": figures["total.requests"] / (minutes * 60.0),
        "load_s": end - start,
        "requests": figures["total.requests"],
        "dropped": figures.get("total.dropped", 0.0),
        "failures": figures["total.failures"],
        "roles": rss_slopes_mb_per_h(run_dir, window_s=600.0 if minutes > 10 else None),
        # issue 13: after the fill-in of the first minutes, every process's slope over minutes 10 to the end
        "settled_roles": rss_slopes_mb_per_h(run_dir, skip_s=600.0) if minutes >= 20 else {},
    }
