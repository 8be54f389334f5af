"""Is the harness the bottleneck? Prints two figures of issue 3, measured in one invocation:

1. overhead: requests/s of memload's users (`memload run`, search mix, no waits) against a trivial
   target (trivial_target.py: a bare asyncio server with precomputed answers), over requests/s of
   bare Locust FastHttpUsers making the same request to the same target; rounds alternate, the
   ratio is the median over rounds (target: >= 0.80);
2. scaling: requests/s of `memload run --workers 2` over `--workers 1`, against a trivial target
   whose large answers make the load generator, not the target, the limit (target: >= 1.5).

Each round also prints the target's CPU (100% = one core, averaged over the whole run, start-up
included), to show it was not saturated.

    .venv/bin/python benchmarks/bench_harness.py [--rounds 3] [--seconds 15] [--users 20]
"""
from __future__ import annotations

import argparse
import csv
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psutil

HERE = Path(__file__).parent
WARMUP_S = 3.0
# Scaling: search answers of 100 results of 1,000 characters (~100 KB) cost the client far more to
# read and parse than the server to send, so the load generator, not the target, is the limit.
SCALING_RESULTS = 100
SCALING_CONTENT_CHARS = 1000


def start_trivial(results: int) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, str(HERE / "trivial_target.py"), "--results", str(results),
                                "--content-chars", str(SCALING_CONTENT_CHARS)],
                               stdout=subprocess.PIPE, text=True)
    return process, process.stdout.readline().strip()


def steady_rps(history_csv: Path) -> float:
    """Requests/s while every user runs: from WARMUP_S after the first request to the last row with
    users. memload drains to 0 users before it quits and bare Locust stops at once, so the seconds
    after the users stop must not count, or memload's run would be charged for its idle tail."""
    with open(history_csv, newline="") as file:
        rows = [r for r in csv.DictReader(file)
                if r["Name"] == "Aggregated" and r["Total Request Count"] != "0" and r["User Count"] != "0"]
    start = float(rows[0]["Timestamp"]) + WARMUP_S
    steady = [r for r in rows if float(r["Timestamp"]) >= start]
    first, last = steady[0], steady[-1]
    seconds = float(last["Timestamp"]) - float(first["Timestamp"])
    return (int(last["Total Request Count"]) - int(first["Total Request Count"])) / seconds


def run_bare(url: str, *, users: int, seconds: int, out: Path) -> float:
    prefix = out / f"bare{time.monotonic_ns()}"
    subprocess.run([sys.executable, "-m", "locust", "-f", str(HERE / "bare_locustfile.py"), "--headless",
                    "-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--host", url, "--csv", str(prefix),
                    "--csv-full-history", "--only-summary", "--loglevel", "WARNING"],
                   check=True, capture_output=True)
    return steady_rps(Path(f"{prefix}_stats_history.csv"))


def scenario_file(out: Path, *, users: int, seconds: int) -> Path:
    path = out / "bench.toml"
    path.write_text(f'name = "bench"\ntarget = "reference"\n[load]\nusers = {users}\nspawn_rate = {users}\n'
                    f'duration = "{seconds}s"\n[pacing]\nwait = "none"\n[mix]\nsearch = 1\n')
    return path


def run_memload(url: str, *, users: int, seconds: int, workers: int, out: Path) -> float:
    runs = out / f"runs{time.monotonic_ns()}"
    subprocess.run([sys.executable, "-m", "memload", "run", str(scenario_file(out, users=users, seconds=seconds)),
                    "--host", url, "--out", str(runs), "--no-report", "--quiet", "--workers", str(workers)],
                   check=True, capture_output=True)
    return steady_rps(next(runs.iterdir()) / "locust_stats_history.csv")


class CpuMeter:
    """CPU % of one process (100 = one core) averaged over a measurement, to show the target had room."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)

    def during(self, measure: Callable[[], float]) -> tuple[float, float]:
        cpu_before, wall_before = sum(self.process.cpu_times()[:2]), time.monotonic()
        value = measure()
        cpu_s, wall_s = sum(self.process.cpu_times()[:2]) - cpu_before, time.monotonic() - wall_before
        return value, 100.0 * cpu_s / wall_s


def compare(label: str, *, rounds: int, target_results: int, first: tuple[str, Callable[[str], float]],
            second: tuple[str, Callable[[str], float]], required: float) -> None:
    """Alternate two measurements against one trivial target; print each round and the median ratio."""
    target, url = start_trivial(results=target_results)
    target_cpu = CpuMeter(target.pid)
    ratios = []
    try:
        for index in range(rounds):
            a, a_cpu = target_cpu.during(lambda: first[1](url))
            b, b_cpu = target_cpu.during(lambda: second[1](url))
            ratios.append(b / a)
            print(f"  round {index + 1}: {first[0]} {a:6.0f} req/s (target cpu {a_cpu:3.0f}%)   "
                  f"{second[0]} {b:6.0f} req/s (target cpu {b_cpu:3.0f}%)   ratio {b / a:.2f}", flush=True)
    finally:
        target.terminate()
    median = statistics.median(ratios)
    verdict = "PASS" if median >= required else "FAIL"
    print(f"{label}: {second[0]} / {first[0]} requests/s, median of {rounds}: {median:.2f} "
          f"(target >= {required:g}: {verdict})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--only", choices=("overhead", "scaling"))
    args = parser.parse_args()
    print(f"machine: {psutil.cpu_count()} cores; target, Locust and memload share them")
    with tempfile.TemporaryDirectory(prefix="memload-bench-") as tmp:
        out, users, seconds = Path(tmp), args.users, args.seconds
        if args.only in (None, "overhead"):
            compare("overhead", rounds=args.rounds, target_results=0, required=0.8,
                    first=("bare Locust", lambda url: run_bare(url, users=users, seconds=seconds, out=out)),
                    second=("memload", lambda url: run_memload(url, users=users, seconds=seconds, workers=0, out=out)))
        if args.only in (None, "scaling"):
            compare("scaling", rounds=args.rounds, target_results=SCALING_RESULTS, required=1.5,
                    first=("1 worker", lambda url: run_memload(url, users=users, seconds=seconds, workers=1, out=out)),
                    second=("2 workers", lambda url: run_memload(url, users=users, seconds=seconds, workers=2, out=out)))


if __name__ == "__main__":
    main()
