"""How many requests/s one `memload worker` process reaches here (issue 16), against the reference
service and against a trivial server, through the distributed path (a `memload master` bound to
127.0.0.2 and one `memload worker` process talking to it over TCP).

    .venv/bin/python benchmarks/bench_worker.py              # 3 rounds of 15 s each, alternating

Users: 20, no waits, the search operation only (the trivial server answers one small result;
benchmarks/trivial_target.py). Requests/s are counted from the master's Locust history while every
user runs, from 3 s after the first request (bench_harness.steady_rps). The CPU of the worker's
Locust process and of the target are averaged over each run, to show which was the limit.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_harness import scenario_file, start_trivial, steady_rps  # noqa: E402

MASTER = "127.0.0.2"
USERS = 20


def one_run(work: Path, *, host: str | None, seconds: int, port: int) -> tuple[float, float, float]:
    """req/s, and the CPU of the worker's Locust process and of the reference service (when the master
    started it) as % of one core over the run's scheduled seconds."""
    runs = work / f"runs{time.monotonic_ns()}"
    args = [sys.executable, "-m", "memload", "master", str(scenario_file(work, users=USERS, seconds=seconds)),
            "--expect-workers", "1", "--bind", MASTER, "--master-port", str(port), "--out", str(runs),
            "--no-report", "--quiet", "--worker-wait", "30s"]
    master = subprocess.Popen(args + (["--host", host] if host else []), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    worker = subprocess.Popen([sys.executable, "-m", "memload", "worker", "--master", f"{MASTER}:{port}"],
                              cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    last_cpu_s: dict[int, tuple[str, float]] = {}  # pid -> role, CPU seconds at its last sample
    while master.poll() is None:
        for role, root in (("worker", worker.pid), ("target", master.pid)):
            for child in _children(root):
                try:
                    cmd = " ".join(child.cmdline())
                    if (role == "worker" and "locust" in cmd) or (role == "target" and " serve" in cmd):
                        times = child.cpu_times()
                        last_cpu_s[child.pid] = (role, times.user + times.system)
                except psutil.Error:
                    continue
        time.sleep(0.5)
    worker.wait(timeout=30)
    used = {"worker": 0.0, "target": 0.0}
    for role, cpu_s in last_cpu_s.values():
        used[role] += cpu_s
    history = next(runs.iterdir()) / "locust_stats_history.csv"
    return steady_rps(history), 100.0 * used["worker"] / seconds, 100.0 * used["target"] / seconds


def _children(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=15)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    found: dict[str, list[float]] = {"trivial server": [], "reference service": []}
    trivial, url = start_trivial(results=1)
    try:
        with tempfile.TemporaryDirectory(prefix="memload-bench-worker-") as temp:
            for index in range(args.rounds):
                for label, host in (("trivial server", url), ("reference service", None)):
                    rps, worker_cpu, target_cpu = one_run(Path(temp), host=host, seconds=args.seconds,
                                                          port=5800 + 2 * index)
                    found[label].append(rps)
                    print(f"round {index + 1}, {label}: {rps:.0f} req/s (worker's Locust ~{worker_cpu:.0f} % "
                          f"of a core{'' if host else f', the reference service ~{target_cpu:.0f} %'})")
    finally:
        trivial.terminate()
    for label, values in found.items():
        print(f"one worker process against the {label}: median {statistics.median(values):.0f} req/s "
              f"({', '.join(f'{v:.0f}' for v in values)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
