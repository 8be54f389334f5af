"""Correctness under load (issue 20): do memload's [checks] see what the reference target breaks on
purpose, at the rate or delay it was broken with? Each case is one `memload run` against the
reference target memload starts, with one fault of `memload serve` injected and every check on;
it prints the injected value, the measured one and their ratio (target: within 20 %):

- index delay (index_delay_ms): the read-your-writes lag's median (checks.rw_lag_p50_ms), open model;
- cross-tenant leak (cross_tenant_leak_rate): violations per checked search and list answer, 2 workers;
- write drop (write_drop_rate): the audit's lost-write rate (checks.lost_write_rate), and the share of
  polled creates never visible (checks.rw_never_visible_share), 2 workers;
- stale cache (stale_cache_rate): self-retrieval misses (1 - checks.search.hit_at_k).

Then `clean`: every fault off, N runs (closed model, open model, 2 workers in turn): every check must
report nothing (no violation, no lost or resurrected write, nothing never visible, hit@k = 1).
Then `overhead`: the same scenario with every check on (default shares: 20 % of searches self-retrieval,
10 % of creates polled, every answer checked, every write logged) and off, alternating rounds in this one invocation,
users without waits (--wait: as fast as the harness and the target go on these cores): requests/s of
the users' operations (checks' own polls not counted), the ratio on/off (target >= 0.90).

    flock /tmp/memload-load.lock .venv/bin/python benchmarks/bench_checks.py [faults] [clean] [overhead]
        [--seconds 20] [--clean-runs 5] [--rounds 3] [--wait 0]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

MIX = "create_memory = 3\nsearch = 5\nget_memory = 1\nlist_memories = 1\ndelete_memory = 0.5\n"
CLOSED = '[load]\nusers = 10\nspawn_rate = 10\nduration = "{seconds}s"\n[pacing]\nwait = "constant"\nseconds = {wait}\n'
OPEN = '[arrival]\nrate = 250\ndistribution = "poisson"\ntenants = 20\nmax_concurrency = 100\nduration = "{seconds}s"\n'
CHECKS = '[checks]\nenabled = "all"\nsearch_share = 0.5\nrw_sample = 0.3\nrw_limit = "3s"\n'
DEFAULT_CHECKS = '[checks]\nenabled = "all"\n'  # the overhead: every check with its default shares


def scenario(path: Path, *, seconds: int, seed: int, faults: dict[str, float], model: str, checks: bool | str,
             wait: float = 0.02) -> Path:
    text = f'name = "bench-checks"\nseed = {seed}\n'
    text += (OPEN if model == "open" else CLOSED).format(seconds=seconds, wait=wait)
    text += "[mix]\n" + MIX
    if faults:
        text += "[reference]\n" + "".join(f"{k} = {v}\n" for k, v in faults.items())
    if checks:
        text += checks if isinstance(checks, str) else CHECKS
    path.write_text(text)
    return path


def run(work: Path, name: str, *, workers: int = 0, **kwargs) -> tuple[dict[str, float], Path]:
    out = work / name
    toml = scenario(work / f"{name}.toml", **kwargs)
    argv = [sys.executable, "-m", "memload", "run", str(toml), "--out", str(out), "--quiet"]
    if workers:
        argv += ["--workers", str(workers)]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    runs = [p for p in out.iterdir() if p.is_dir()]
    if len(runs) != 1 or not (runs[0] / "report" / "summary.json").exists():
        sys.exit(f"{name}: no report (exit {result.returncode}): {result.stderr[-1500:]}")
    summary = json.loads((runs[0] / "report" / "summary.json").read_text())
    return summary["figures"], runs[0]


def line(case: str, injected: float, measured: float | None, unit: str = "") -> bool:
    if measured is None:
        print(f"{case:<44} injected {injected:g}{unit}  measured: none  FAIL")
        return False
    ratio = measured / injected
    ok = 0.8 <= ratio <= 1.2
    print(f"{case:<44} injected {injected:g}{unit}  measured {measured:.4g}{unit}  ratio {ratio:.3f}  {'ok' if ok else 'FAIL'}")
    return ok


def faults(work: Path, seconds: int) -> bool:
    ok = True
    f, _ = run(work, "index", seconds=seconds, seed=11, faults={"index_delay_ms": 500}, model="open", checks=True)
    ok &= line("index delay -> rw_lag_p50_ms (open model)", 500, f.get("checks.rw_lag_p50_ms"), " ms")
    print(f"    rw_get_lag_p95_ms {f.get('checks.rw_get_lag_p95_ms')} (get finds it at once), rw_sampled {f.get('checks.rw_sampled'):g}")
    f, _ = run(work, "leak", seconds=seconds, seed=12, faults={"cross_tenant_leak_rate": 0.05}, model="closed",
               checks=True, workers=2)
    checked = sum(f.get(f"checks.{op}.isolation_checked", 0) for op in ("search", "list_memories"))
    bad = sum(f.get(f"checks.{op}.isolation_violations", 0) for op in ("search", "list_memories"))
    ok &= line("cross-tenant leak -> violations/answer (2 workers)", 0.05, bad / checked if checked else None)
    print(f"    {bad:g} of {checked:g} search and list answers; get: {f.get('checks.get_memory.isolation_violations')} "
          f"violations; checks.failed {f.get('checks.failed')}")
    f, _ = run(work, "drop", seconds=seconds, seed=13, faults={"write_drop_rate": 0.1}, model="closed",
               checks=True, workers=2)
    ok &= line("write drop -> lost_write_rate (audit, 2 workers)", 0.1, f.get("checks.lost_write_rate"))
    ok &= line("write drop -> rw_never_visible_share", 0.1, f.get("checks.rw_never_visible_share"))
    print(f"    audited {f.get('checks.audited'):g} writes in {f.get('checks.audit_s'):g} s, lost {f.get('checks.lost_writes'):g}")
    f, _ = run(work, "stale", seconds=seconds, seed=14, faults={"stale_cache_rate": 0.2}, model="closed", checks=True)
    hit = f.get("checks.search.hit_at_k")
    ok &= line("stale cache -> 1 - hit@k", 0.2, None if hit is None else 1 - hit)
    print(f"    {f.get('checks.search.checked'):g} self-retrieval searches, hit@1 {f.get('checks.search.hit_at_1'):.3f}, "
          f"mrr {f.get('checks.search.mrr'):.3f}")
    return ok


CLEAN_KEYS = ("checks.isolation_violations", "checks.lost_writes", "checks.resurrected_deletes",
              "checks.rw_never_visible", "checks.failed")


def clean(work: Path, seconds: int, runs: int) -> bool:
    ok = True
    for n in range(runs):
        model, workers = [("closed", 0), ("open", 0), ("closed", 2)][n % 3]
        f, _ = run(work, f"clean{n}", seconds=seconds, seed=20 + n, faults={}, model=model, checks=True, workers=workers)
        reported = {k: f.get(k) for k in CLEAN_KEYS if f.get(k)}
        hit = f.get("checks.search.hit_at_k")
        good = not reported and hit == 1.0
        ok &= good
        print(f"clean run {n + 1} ({model} model, {f'{workers} workers' if workers else 'one process'}): hit@k {hit}, "
              f"{f.get('checks.isolation_checked'):g} answers checked, {f.get('checks.audited'):g} writes audited, "
              f"rw lag p95 {f.get('checks.rw_lag_p95_ms')} ms; reported {reported or 'nothing'}  {'ok' if good else 'FAIL'}")
    return ok


def user_rps(figures: dict[str, float]) -> float:
    return figures["total.rps"]  # the exact total: checks' polls ("get_memory|check=rw") are not in it


def polls_per_s(run_dir: Path) -> float:
    """Requests/s of the read-your-writes polls (Locust's whole-run rows named "...|check=rw")."""
    import csv

    with open(run_dir / "locust_stats.csv", newline="") as file:
        return sum(float(r["Requests/s"]) for r in csv.DictReader(file) if "|check=" in r["Name"])


def overhead(work: Path, seconds: int, rounds: int, wait: float) -> bool:
    ratios = []
    for n in range(rounds):
        on, on_dir = run(work, f"on{n}", seconds=seconds, seed=30, faults={}, model="closed", checks=DEFAULT_CHECKS,
                         wait=wait)
        off, _ = run(work, f"off{n}", seconds=seconds, seed=30, faults={}, model="closed", checks=False, wait=wait)
        ratios.append(user_rps(on) / user_rps(off))
        polls = polls_per_s(on_dir)
        print(f"round {n + 1} (users wait {wait:g} s): checks on {user_rps(on):.1f} requests/s (+ {polls:.1f}/s "
              f"the checks' own polls), off {user_rps(off):.1f}: ratio {ratios[-1]:.3f}")
    median = statistics.median(ratios)
    print(f"throughput with checks / without (median of {rounds}): {median:.3f}  {'ok' if median >= 0.9 else 'FAIL'}")
    return median >= 0.9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("parts", nargs="*", default=["faults", "clean", "overhead"])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--clean-runs", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--wait", type=float, default=0.0, help="overhead: each user's wait between requests")
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory(prefix="bench-checks-") as tmp:
        work = Path(tmp)
        if "faults" in args.parts:
            ok &= faults(work, args.seconds)
        if "clean" in args.parts:
            ok &= clean(work, args.seconds, args.clean_runs)
        if "overhead" in args.parts:
            ok &= overhead(work, args.seconds, args.rounds, args.wait)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
