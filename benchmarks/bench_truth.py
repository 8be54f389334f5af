"""Proofs of issue 5 ("truthful numbers"), against the real reference target, printing the figures.

    .venv/bin/python benchmarks/bench_truth.py                     # a-d, 3 runs each where noisy
    .venv/bin/python benchmarks/bench_truth.py fixed stall --runs 5
    .venv/bin/python benchmarks/bench_truth.py memory --minutes 10 --rate 500

a. fixed:  `memload serve --added-latency-ms 50 --log-requests` (a standalone target: the scenario
           [reference] table has no log_requests key) and a closed-model run against it with --host.
           The truth is the target's own per-request time (gevent's access log: the time from having
           read the request to having sent the response, µs resolution); memload's p50/p99 (whole
           run, merged HDR histograms) and Locust's rounded ones are printed beside it.
b. stall:  a target that holds every response for 1 s of every 10 s; the same 100 requests/s offered
           by an open model (constant arrivals, timed from the scheduled start) and by a closed model
           (10 users pacing 10 requests/s each, waiting for each response). One PNG shows both.
c. merged: a --workers 2 run; the report's percentiles against hdrh's own merge of every row of
           hdr_histograms.csv in the report's intervals.
d. llm:    streamed chat on the gpt-3.5-turbo profile (cache off): TTFT and TPOT against the
           distribution the target is configured to draw (TPOT derived with its pure sampler).
e. memory: a 10-minute run at >= 500 requests/s with 2 workers; the slope of each Locust
           process's RSS (resources.csv, a least-squares line after the first minute) in MB/hour.

The proofs themselves are in tests/helpers/truth_proofs.py (tests/truth runs them shorter); this
script repeats them and prints the figures.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "helpers"))  # shared with tests/truth

from truth_proofs import proof_fixed, proof_llm, proof_memory, proof_merged, proof_stall  # noqa: E402


# -- the command -------------------------------------------------------------------------------
def _median(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(float(r[key]) for r in runs)


def _print_fixed(runs: list[dict[str, Any]]) -> None:
    print("a. fixed added latency 50 ms (search, closed model, 5 users, 30 s); p50 / p99 in ms:")
    for r in runs:
        print(f"   run: server {r['server_p50_ms']:.3f} / {r['server_p99_ms']:.3f} + loopback {r['loopback_p50_ms']:.3f}"
              f" / {r['loopback_p99_ms']:.3f} -> truth {r['truth_p50_ms']:.3f} / {r['truth_p99_ms']:.3f}; memload "
              f"{r['memload_p50_ms']:.3f} / {r['memload_p99_ms']:.3f}; Locust {r['locust_p50_ms']:g} / "
              f"{r['locust_p99_ms']:g}; requests target {r['requests_target']} memload {r['requests_memload']:.0f} "
              f"probe {r['probe_requests']}")
    print(f"   median: memload − truth p50 {_median(runs, 'diff_p50_ms'):+.3f} ms, p99 {_median(runs, 'diff_p99_ms'):+.3f} ms")


def _print_stall(runs: list[dict[str, Any]]) -> None:
    print("b. stall 1 s every 10 s, 100 requests/s offered for 60 s (open: constant arrivals; closed: 5 users x 20/s):")
    for r in runs:
        print(f"   run: open p50 {r['open_p50_ms']:.1f} p99 {r['open_p99_ms']:.1f} ms (Locust p99 "
              f"{r['open_locust_p99_ms']:g}, {r['open_requests']:.0f} requests, dropped {r['open_dropped']:.0f}); "
              f"closed p50 {r['closed_p50_ms']:.1f} p99 {r['closed_p99_ms']:.1f} ms (Locust p99 "
              f"{r['closed_locust_p99_ms']:g}, {r['closed_requests']:.0f} requests, {r['closed_rps']:.1f}/s)")
    print(f"   median: open p99 {_median(runs, 'open_p99_ms'):.1f} ms, closed p99 {_median(runs, 'closed_p99_ms'):.1f} ms;"
          f" plot {runs[-1]['plot']}")


def _print_merged(runs: list[dict[str, Any]]) -> None:
    for r in runs:
        print(f"c. --workers 2: {r['figures_compared']} percentile figures over {r['intervals']} intervals, "
              f"{r['requests']:.0f} requests: largest difference from hdrh's own merge {r['max_abs_difference_ms']} ms")


def _print_llm(runs: list[dict[str, Any]]) -> None:
    print("d. streamed chat, gpt-3.5-turbo profile, cache off, 50 requests/s for 60 s (open model):")
    for r in runs:
        parts = [f"{n} {q} {r[f'{n}_{q}_ms']:.1f} vs {r[f'{n}_{q}_configured_ms']:.1f} ms "
                 f"({r[f'{n}_{q}_rel_error'] * 100:+.1f} %)" for n in ("ttft", "tpot") for q in ("p50", "p95", "p99")]
        print(f"   run ({r['requests']:.0f} requests): " + "; ".join(parts))


def _print_memory(runs: list[dict[str, Any]]) -> None:
    for r in runs:
        print(f"e. {r['rps']:.0f} requests/s over the scheduled {r['load_s']:.0f} s ({r['requests']:.0f} requests, {r['failures']:.0f} failed, "
              f"{r['dropped']:.0f} dropped):")
        for role, s in r["roles"].items():
            print(f"   {role}: RSS {s['rss_first_mb']:.2f} -> {s['rss_last_mb']:.2f} MB, slope "
                  f"{s['slope_mb_per_h']:+.2f} MB/h over {s['samples']} samples")
            if s.get("window_slopes_mb_per_h"):
                print("      each 10-minute window after the first minute: "
                      + ", ".join(f"{w:+.2f}" for w in s["window_slopes_mb_per_h"]) + " MB/h")
        for role, s in r.get("settled_roles", {}).items():
            verdict = "flat" if abs(s["slope_mb_per_h"]) < 1.0 else "NOT flat"
            print(f"   {role}, minutes 10 to the end: slope {s['slope_mb_per_h']:+.3f} MB/h over {s['samples']} samples "
                  f"(criterion |slope| < 1 MB/h: {verdict})")


PROOFS = ("fixed", "stall", "merged", "llm", "memory")
DEFAULT_PROOFS = ("fixed", "stall", "merged", "llm")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("proofs", nargs="*", metavar="PROOF",
                        help=f"any of {', '.join(PROOFS)} (default: {' '.join(DEFAULT_PROOFS)})")
    parser.add_argument("--runs", type=int, default=3, help="runs of the noisy proofs (fixed, stall, llm)")
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the memory run")
    parser.add_argument("--rate", type=float, default=500.0, help="requests/s of the memory run")
    parser.add_argument("--out", type=Path, help="keep the runs and the plot here (default: a temp dir)")
    args = parser.parse_args()
    args.proofs = args.proofs or list(DEFAULT_PROOFS)
    unknown = sorted(set(args.proofs) - set(PROOFS))
    if unknown:
        parser.error(f"unknown proof(s) {', '.join(unknown)}; choose from {', '.join(PROOFS)}")
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="memload-truth-") as temp:
        work = args.out or Path(temp)
        plot = work / "stall_open_vs_closed.png"
        if "fixed" in args.proofs:
            _print_fixed([proof_fixed(work) for _ in range(args.runs)])
        if "stall" in args.proofs:
            _print_stall([proof_stall(work, plot_path=plot) for _ in range(args.runs)])
        if "merged" in args.proofs:
            _print_merged([proof_merged(work)])
        if "llm" in args.proofs:
            _print_llm([proof_llm(work, rate=50.0, duration_s=60) for _ in range(args.runs)])
        if "memory" in args.proofs:
            _print_memory([proof_memory(work, minutes=args.minutes, rate=args.rate)])
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
