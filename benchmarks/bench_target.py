"""Benchmark of the reference target (issue 2): latency below saturation, throughput, memory.

    .venv/bin/python benchmarks/bench_target.py            # about 3 minutes
    .venv/bin/python benchmarks/bench_target.py --runs 3   # medians of 3 runs of (a) and (b)

Starts ``memload serve`` on a free port, preloads 10,000 memories across 100 users through the
batch endpoint, then runs Locust headless (FastHttpUser, one process) with an even
create_memory/search mix, search queries half from stored contents and half fresh text:
(a) 50 users with random waits of 0-90 ms (about 1,000 requests/s offered, below saturation);
(b) 50 users that never wait (throughput). Then (c) fills the store to 100,000 memories and
reads the target's resident memory with psutil. Latencies are the exact per-request times of
Locust's request event after a warm-up, not Locust's rounded statistics. Load generator and
target share the machine's cores, so every figure includes that contention.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import psutil
import requests
from faker import Faker

USERS = [f"bench-user-{i:03d}" for i in range(100)]
BATCH_ITEMS = 256
LOCUSTFILE = '''
import json, os, random, time
from locust import FastHttpUser, between, constant, events, task

USERS = json.loads(os.environ["BENCH_USERS"])
SENTENCES = json.load(open(os.environ["BENCH_SENTENCES"]))
STORED = json.load(open(os.environ["BENCH_STORED"]))
WARMUP_S = float(os.environ["BENCH_WARMUP_S"])
WAIT = between(0, 0.09) if os.environ["BENCH_WAIT"] == "random" else constant(0)
RECORD = {"latencies_ms": {}, "failures": 0, "first_s": None, "last_s": None}
STARTED = [None]


@events.test_start.add_listener
def _start(**_):
    STARTED[0] = time.monotonic()


@events.request.add_listener
def _record(name, response_time, exception, **_):
    now = time.monotonic()
    if STARTED[0] is None or now - STARTED[0] < WARMUP_S:
        return
    RECORD["first_s"] = RECORD["first_s"] or now
    RECORD["last_s"] = now
    RECORD["latencies_ms"].setdefault(name, []).append(response_time)
    RECORD["failures"] += exception is not None


@events.quitting.add_listener
def _dump(**_):
    with open(os.environ["BENCH_OUT"], "w") as out:
        json.dump(RECORD, out)


# Bodies are encoded before the run, so the load generator spends its CPU on HTTP only.
CREATE_BODIES = [json.dumps({"user_id": random.choice(USERS), "content": s}).encode() for s in SENTENCES]
SEARCH_BODIES = [json.dumps({"user_id": u, "query": q, "top_k": 10}).encode()
                 for u in USERS for q in STORED[u][:20] + random.sample(SENTENCES, 20)]
HEADERS = {"Content-Type": "application/json"}


class MemoryServiceUser(FastHttpUser):
    wait_time = WAIT

    @task
    def create_memory(self):
        self.client.post("/v1/memories", data=random.choice(CREATE_BODIES), headers=HEADERS, name="create_memory")

    @task
    def search(self):
        self.client.post("/v1/search", data=random.choice(SEARCH_BODIES), headers=HEADERS, name="search")
'''


@dataclass(frozen=True, kw_only=True)
class PhaseResult:
    rps: float
    failures: int
    create_p50_ms: float
    create_p95_ms: float
    search_p50_ms: float
    search_p95_ms: float
    search_p99_ms: float
    target_cpu_pct: float
    locust_cpu_pct: float
    other_cpu_pct: float  # every other process on the machine (other jobs share these cores)


def start_target(db_path: Path) -> tuple[subprocess.Popen, str]:
    argv = [sys.executable, "-m", "memload", "serve", "--port", "0", "--db", str(db_path), "--seed", "1"]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    url = process.stdout.readline().decode().strip()
    if not url.startswith("http://"):
        process.kill()
        raise SystemExit("the target did not start")
    return process, url


def sentences(count: int, seed: int) -> list[str]:
    fake = Faker()
    fake.seed_instance(seed)
    return [fake.sentence(nb_words=12) for _ in range(count)]


def preload(url: str, per_user: int, seed: int, session: requests.Session) -> dict[str, list[str]]:
    """Store ``per_user`` memories for each user; return a sample of each user's contents."""
    rng = random.Random(seed)
    pool = sentences(5000, seed)
    stored: dict[str, list[str]] = {}
    for user in USERS:
        contents = [f"{rng.choice(pool)} {rng.choice(pool)}" for _ in range(per_user)]
        for start in range(0, per_user, BATCH_ITEMS):
            items = [{"user_id": user, "content": c} for c in contents[start:start + BATCH_ITEMS]]
            session.post(f"{url}/v1/memories/batch", json={"items": items}, timeout=60).raise_for_status()
        stored[user] = contents[:50]
    return stored


def run_locust(url: str, work_dir: Path, *, wait: str, duration_s: int, warmup_s: int, target_pid: int) -> PhaseResult:
    out_path = work_dir / f"result-{wait}-{time.monotonic_ns()}.json"
    env = dict(os.environ, BENCH_USERS=json.dumps(USERS), BENCH_SENTENCES=str(work_dir / "sentences.json"),
               BENCH_STORED=str(work_dir / "stored.json"), BENCH_WARMUP_S=str(warmup_s), BENCH_WAIT=wait,
               BENCH_OUT=str(out_path))
    argv = [str(Path(sys.executable).parent / "locust"), "-f", str(work_dir / "locustfile.py"), "--headless",
            "-u", "50", "-r", "50", "-t", f"{duration_s + warmup_s}s", "--host", url, "--only-summary",
            "--loglevel", "ERROR", "--stop-timeout", "2"]
    target = psutil.Process(target_pid)
    machine_before, target_before = psutil.cpu_times(), target.cpu_times()
    started_s = time.monotonic()
    locust = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    locust_cpu_s = _wait_measuring_cpu(locust)
    elapsed_s = time.monotonic() - started_s
    target_cpu_s = _busy_s(target.cpu_times()) - _busy_s(target_before)
    machine_cpu_s = _busy_s(psutil.cpu_times()) - _busy_s(machine_before)
    cpu_pct = {"target_cpu_pct": 100 * target_cpu_s / elapsed_s, "locust_cpu_pct": 100 * locust_cpu_s / elapsed_s,
               "other_cpu_pct": 100 * max(0.0, machine_cpu_s - target_cpu_s - locust_cpu_s) / elapsed_s}
    return summarise(json.loads(out_path.read_text()), cpu_pct)


def _busy_s(times) -> float:
    return times.user + times.system


def _wait_measuring_cpu(process: subprocess.Popen) -> float:
    """Wait for ``process``; the CPU seconds it used (read just before it exits)."""
    watched = psutil.Process(process.pid)
    cpu_s = 0.0
    while process.poll() is None:
        try:
            cpu_s = _busy_s(watched.cpu_times())
        except psutil.Error:
            break
        time.sleep(0.2)
    process.wait()
    return cpu_s


def summarise(record: dict, cpu_pct: dict[str, float]) -> PhaseResult:
    lat = {name: np.asarray(values) for name, values in record["latencies_ms"].items()}
    count = sum(len(v) for v in lat.values())
    window_s = record["last_s"] - record["first_s"]
    pct = lambda name, q: float(np.percentile(lat[name], q))  # noqa: E731
    return PhaseResult(rps=count / window_s, failures=record["failures"],
                       create_p50_ms=pct("create_memory", 50), create_p95_ms=pct("create_memory", 95),
                       search_p50_ms=pct("search", 50), search_p95_ms=pct("search", 95),
                       search_p99_ms=pct("search", 99), **cpu_pct)


def fill_to(url: str, total: int, session: requests.Session) -> int:
    """Add memories (evenly over the users) until the target holds ``total``; its final count."""
    pool = sentences(5000, 7)
    rng = random.Random(7)
    have = session.get(f"{url}/health", timeout=10).json()["memories"]
    while have < total:
        count = min(BATCH_ITEMS, total - have)
        user = USERS[(have // BATCH_ITEMS) % len(USERS)]
        items = [{"user_id": user, "content": f"{rng.choice(pool)} {rng.choice(pool)}"} for _ in range(count)]
        session.post(f"{url}/v1/memories/batch", json={"items": items}, timeout=60).raise_for_status()
        have += count
    for user in USERS[:20]:  # touch the search path over the full store
        session.post(f"{url}/v1/search", json={"user_id": user, "query": pool[0]}, timeout=10).raise_for_status()
    return session.get(f"{url}/health", timeout=10).json()["memories"]


def median_phase(results: list[PhaseResult]) -> PhaseResult:
    fields = PhaseResult.__dataclass_fields__
    return PhaseResult(**{name: statistics.median(getattr(r, name) for r in results) for name in fields})


def _cpu(phase: PhaseResult) -> str:
    return f"{phase.target_cpu_pct:.0f}/{phase.locust_cpu_pct:.0f}/{phase.other_cpu_pct:.0f}"


def print_table(latency: PhaseResult, throughput: PhaseResult, rss_mb: float, memories: int, runs: int) -> None:
    rows = [
        ("(a) offered load, rps", f"{latency.rps:.0f}", "~1000", None),
        ("(a) create_memory p50 ms", f"{latency.create_p50_ms:.1f}", "<= 5", latency.create_p50_ms <= 5),
        ("(a) create_memory p95 ms", f"{latency.create_p95_ms:.1f}", "", None),
        ("(a) search p50 ms", f"{latency.search_p50_ms:.1f}", "<= 25", latency.search_p50_ms <= 25),
        ("(a) search p95 ms", f"{latency.search_p95_ms:.1f}", "<= 50", latency.search_p95_ms <= 50),
        ("(a) search p99 ms", f"{latency.search_p99_ms:.1f}", "", None),
        ("(a) failures", f"{latency.failures:.0f}", "0", latency.failures == 0),
        ("(a) cpu % target/locust/others", _cpu(latency), "", None),
        ("(b) throughput rps", f"{throughput.rps:.0f}", ">= 1000", throughput.rps >= 1000),
        ("(b) create_memory p50 ms", f"{throughput.create_p50_ms:.1f}", "", None),
        ("(b) search p50 ms", f"{throughput.search_p50_ms:.1f}", "", None),
        ("(b) failures", f"{throughput.failures:.0f}", "0", throughput.failures == 0),
        ("(b) cpu % target/locust/others", _cpu(throughput), "", None),
        (f"(c) target rss MB, {memories} memories", f"{rss_mb:.0f}", "<= 512", rss_mb <= 512 if memories else None),
    ]
    print(f"\nreference target benchmark ({runs} run(s), medians; {psutil.cpu_count()} cores shared "
          "by Locust, the target and any other job on the machine; cpu % is of one core)")
    print(f"{'figure':<40} {'measured':>12}  {'target':<8} verdict")
    for name, value, target, ok in rows:
        verdict = "" if ok is None else ("PASS" if ok else "FAIL")
        print(f"{name:<40} {value:>12}  {target:<8} {verdict}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1, help="runs of phases (a) and (b); medians are printed")
    parser.add_argument("--duration-s", type=int, default=40, help="measured seconds of each phase")
    parser.add_argument("--warmup-s", type=int, default=5, help="seconds discarded at the start of each phase")
    parser.add_argument("--memories", type=int, default=100_000, help="store size for the memory check (c)")
    parser.add_argument("--skip-memory", action="store_true", help="skip the memory check (c)")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="memload-bench-") as tmp:
        work_dir = Path(tmp)
        process, url = start_target(work_dir / "bench.db")
        try:
            session = requests.Session()
            stored = preload(url, per_user=100, seed=3, session=session)
            (work_dir / "stored.json").write_text(json.dumps(stored))
            (work_dir / "sentences.json").write_text(json.dumps(sentences(5000, 11)))
            (work_dir / "locustfile.py").write_text(LOCUSTFILE)
            latency, throughput = [], []
            for run in range(args.runs):
                for wait, results in (("random", latency), ("none", throughput)):
                    result = run_locust(url, work_dir, wait=wait, duration_s=args.duration_s,
                                        warmup_s=args.warmup_s, target_pid=process.pid)
                    print(f"run {run + 1} wait={wait}: {result}", flush=True)
                    results.append(result)
            rss_mb, memories = 0.0, 0
            if not args.skip_memory:
                memories = fill_to(url, args.memories, session)
                rss_mb = psutil.Process(process.pid).memory_info().rss / 2**20
            print_table(median_phase(latency), median_phase(throughput), rss_mb, memories, args.runs)
        finally:
            process.terminate()
            process.wait(timeout=10)


if __name__ == "__main__":
    main()
