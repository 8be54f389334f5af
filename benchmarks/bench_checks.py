"""Correctness under load (issue 20): do memload's [checks] see what the reference target breaks on
purpose, at the rate or delay it was broken with? Each case is one `memload run` against the
reference target memload starts, with one fault of `memload serve` injected and every check on
(search_share 0.5, rw_sample 0.3, rw_max_rate 1000: as many lag samples as the share gives);
it prints the injected value, the measured one and their ratio (target: within 20 %):

- index delay (index_delay_ms): the read-your-writes lag's median (checks.rw_lag_p50_ms), open model;
- cross-tenant leak (cross_tenant_leak_rate): violations per checked search and list answer, 2 workers;
- write drop (write_drop_rate): the audit's lost-write rate (checks.lost_write_rate), and the share of
  polled creates never visible (checks.rw_never_visible_share), 2 workers;
- stale cache (stale_cache_rate): self-retrieval misses (1 - checks.search.hit_at_k).

Then `clean`: every fault off, N runs (closed model, open model, 2 workers in turn): every check must
report nothing (no violation, no lost or resurrected write, nothing never visible, hit@k = 1).
What the checks cost (target: with them, at least 0.90 of the throughput without), the same scenario
with every check on (default shares: 20 % of searches self-retrieval, 10 % of creates polled, at most
rw_max_rate a second, every answer checked, every write logged) and off, users without waits (--wait):
- `paired` (the issue's "one run"): both at once, started together against one shared `memload serve`,
  counted over the 10 s intervals both ran whole: the users' requests/s on/off, and memload's ceiling,
  its CPU per users' request off/on (a Locust process is one core's event loop: the rate it can drive
  is inversely proportional to that). Same machine, same moment, same target: the noise of this shared
  machine falls on both sides.
- `overhead`: on and off one after the other, each with its own target, alternating which goes first;
  the same two ratios, and the target's CPU per request (what the polls and longer queries cost it).

- `micro`: the checks' own Python per answer and per create (timeit, no load).

    flock /tmp/memload-load.lock .venv/bin/python benchmarks/bench_checks.py [faults] [clean] [paired] [overhead] [micro]
        [--seconds 20] [--clean-runs 5] [--rounds 5] [--wait 0] [--keep DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

MIX = "create_memory = 3\nsearch = 5\nget_memory = 1\nlist_memories = 1\ndelete_memory = 0.5\n"
CLOSED = '[load]\nusers = 10\nspawn_rate = 10\nduration = "{seconds}s"\n[pacing]\nwait = "constant"\nseconds = {wait}\n'
OPEN = '[arrival]\nrate = 250\ndistribution = "poisson"\ntenants = 20\nmax_concurrency = 100\nduration = "{seconds}s"\n'
CHECKS = '[checks]\nenabled = "all"\nsearch_share = 0.5\nrw_sample = 0.3\nrw_max_rate = 1000\nrw_limit = "3s"\n'
# the overhead: every check with its default shares; the audit (after the load, not timed) reads back fast
OVERHEAD_CHECKS = '[checks]\nenabled = "all"\naudit_rate = 5000\n'


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
    with open(run_dir / "locust_stats.csv", newline="") as file:
        return sum(float(r["Requests/s"]) for r in csv.DictReader(file) if "|check=" in r["Name"])


def cpu_s(run_dir: Path) -> dict[str, float]:
    """CPU seconds in the load window (summary.json's window; 1 s samples of resources.csv and host.csv):
    memload's Locust process, the target, and every other process on the machine."""
    window = json.loads((run_dir / "report" / "summary.json").read_text())["window"]
    start, end = window["load_start_unix"], window["load_end_unix"]

    def rows(name: str) -> list[dict[str, str]]:
        with open(run_dir / name, newline="") as file:
            return [r for r in csv.DictReader(file) if start < float(r["timestamp"]) <= end]

    spent = {"locust": 0.0, "target": 0.0}
    for row in rows("resources.csv"):
        if row["role"] in spent:
            spent[row["role"]] += float(row["cpu_pct"]) / 100.0
    machine = sum(float(r["cpu_pct"]) / 100.0 * float(r["cores"]) for r in rows("host.csv"))
    spent["other"] = max(0.0, machine - spent["locust"] - spent["target"])
    spent["seconds"] = end - start
    return spent


def overhead_run(work: Path, name: str, *, seconds: int, wait: float, checks: bool) -> dict[str, float]:
    figures, run_dir = run(work, name, seconds=seconds, seed=30, faults={}, model="closed",
                           checks=OVERHEAD_CHECKS if checks else False, wait=wait)
    spent = cpu_s(run_dir)
    requests = user_rps(figures) * spent["seconds"]
    return {
        "rps": user_rps(figures),
        "polls": polls_per_s(run_dir) if checks else 0.0,
        "locust_ms": 1000.0 * spent["locust"] / requests,  # memload's CPU per user request
        "target_ms": 1000.0 * spent["target"] / requests,
        "other_pct": 100.0 * spent["other"] / spent["seconds"],  # of one core, other processes
    }


def describe(label: str, r: dict[str, float]) -> str:
    return (f"{label} {r['rps']:7.1f} req/s (+{r['polls']:5.1f} polls/s), memload {r['locust_ms']:.3f} ms CPU/request, "
            f"target {r['target_ms']:.3f}, other processes {r['other_pct']:4.1f} % of a core")


def overhead(work: Path, seconds: int, rounds: int, wait: float) -> bool:
    """Each round runs on and off, in alternating order (on first in odd rounds) so that a drift of the
    machine does not favour one side. Two ratios: the users' throughput (what a run with checks gets
    from the same target on the same cores), and memload's own ceiling (its CPU per user request
    without checks / with them: a Locust process is one core's event loop, so the rate it can drive is
    inversely proportional to the CPU it spends per request)."""
    throughput, ceiling = [], []
    for n in range(rounds):
        order = (True, False) if n % 2 == 0 else (False, True)
        done = {on: overhead_run(work, f"{'on' if on else 'off'}{n}", seconds=seconds, wait=wait, checks=on)
                for on in order}
        on, off = done[True], done[False]
        throughput.append(on["rps"] / off["rps"])
        ceiling.append(off["locust_ms"] / on["locust_ms"])
        print(f"round {n + 1} (users wait {wait:g} s, {'on first' if order[0] else 'off first'}):")
        print("    " + describe("checks on ", on))
        print("    " + describe("checks off", off))
        print(f"    throughput ratio {throughput[-1]:.3f}; memload's ceiling ratio {ceiling[-1]:.3f}")
    t, c = statistics.median(throughput), statistics.median(ceiling)
    print(f"users' throughput with checks / without, median of {rounds}: {t:.3f}  {'ok' if t >= 0.9 else 'FAIL'}")
    print(f"memload's ceiling with checks / without (CPU per request), median of {rounds}: {c:.3f}  "
          f"{'ok' if c >= 0.9 else 'FAIL'}")
    return t >= 0.9 and c >= 0.9


def users_requests(run_dir: Path, intervals: set[int]) -> int:
    """The users' requests in these 10 s intervals (interval_counts.csv; the polls' scopes left out)."""
    with open(run_dir / "interval_counts.csv", newline="") as file:
        return sum(
            int(r["requests"])
            for r in csv.DictReader(file)
            if int(r["interval_start"]) in intervals and "|" not in r["scope"] and r["scope"] != "total"
        )


def locust_cpu_s(run_dir: Path, start: float, end: float) -> float:
    """CPU seconds of the run's Locust process between two unix times (resources.csv, 1 s samples)."""
    with open(run_dir / "resources.csv", newline="") as file:
        return sum(
            float(r["cpu_pct"]) / 100.0
            for r in csv.DictReader(file)
            if r["role"] == "locust" and start < float(r["timestamp"]) <= end
        )


def load_window(run_dir: Path) -> tuple[float, float]:
    window = json.loads((run_dir / "report" / "summary.json").read_text())["window"]
    return window["load_start_unix"], window["load_end_unix"]


@contextlib.contextmanager
def target(log_path: Path) -> Iterator[str]:
    """One `memload serve` on a free loopback port, shared by the two runs of a round."""
    with open(log_path, "wb") as log:
        argv = [sys.executable, "-m", "memload", "serve", "--host", "127.0.0.1", "--port", "0"]
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL)
        try:
            assert process.stdout is not None
            url = process.stdout.readline().decode().strip()
            if not url.startswith("http://127.0.0.1:"):
                sys.exit(f"memload serve did not start: see {log_path}")
            yield url
        finally:
            process.terminate()
            process.wait(timeout=30)


def paired(work: Path, seconds: int, rounds: int, wait: float) -> bool:
    """Both at once: two `memload run`s of the same scenario, one with every check on and one without,
    started together against one shared target, so that the machine's speed and the target's state
    are the same for both. Each run's users' requests are counted over the 10 s intervals both ran
    whole; the ratio on/off is what the checks cost memload's users on equal terms (the polls' load
    on the target falls on both). Seeds (user ids, content) swap sides each round."""
    ratios, ceilings = [], []
    for n in range(rounds):
        seeds = {True: 30 + n % 2, False: 31 - n % 2}
        with target(work / f"paired-target{n}.log") as url:
            runs = {}
            for on in (True, False):
                name = f"paired-{'on' if on else 'off'}{n}"
                toml = scenario(work / f"{name}.toml", seconds=seconds, seed=seeds[on], faults={},
                                model="closed", checks=OVERHEAD_CHECKS if on else False, wait=wait)
                argv = [sys.executable, "-m", "memload", "run", str(toml), "--host", url,
                        "--out", str(work / name), "--quiet"]
                runs[on] = (subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True),
                            work / name)
            dirs = {}
            for on, (process, out) in runs.items():
                _, stderr = process.communicate(timeout=600)
                found = [p for p in out.iterdir() if p.is_dir()]
                if len(found) != 1 or not (found[0] / "report" / "summary.json").exists():
                    sys.exit(f"{out.name}: no report (exit {process.returncode}): {stderr[-1500:]}")
                dirs[on] = found[0]
        windows = [load_window(d) for d in dirs.values()]
        start, end = max(w[0] for w in windows), min(w[1] for w in windows)
        both = {i for i in range(int(start // 10 + 1) * 10, int(end), 10) if i + 10 <= end}
        if not both:
            sys.exit(f"round {n + 1}: the two runs shared no whole 10 s interval; try a longer --seconds")
        on_req, off_req = users_requests(dirs[True], both), users_requests(dirs[False], both)
        lo, hi = min(both), max(both) + 10
        on_ms = 1000.0 * locust_cpu_s(dirs[True], lo, hi) / on_req
        off_ms = 1000.0 * locust_cpu_s(dirs[False], lo, hi) / off_req
        ratios.append(on_req / off_req)
        ceilings.append(off_ms / on_ms)
        span = 10 * len(both)
        print(f"paired round {n + 1} ({span} s both ran whole, seeds on {seeds[True]} off {seeds[False]}): "
              f"checks on {on_req / span:.1f} users' req/s at {on_ms:.3f} ms of memload's CPU each, "
              f"off {off_req / span:.1f} at {off_ms:.3f}: throughput ratio {ratios[-1]:.3f}, "
              f"ceiling ratio {ceilings[-1]:.3f}")
    t, c = statistics.median(ratios), statistics.median(ceilings)
    print(f"paired: users' throughput with checks / without, one run, median of {rounds}: {t:.3f}  "
          f"{'ok' if t >= 0.9 else 'FAIL'}")
    print(f"paired: memload's ceiling with checks / without (CPU per request), median of {rounds}: {c:.3f}  "
          f"{'ok' if c >= 0.9 else 'FAIL'}")
    return t >= 0.9 and c >= 0.9


def micro() -> bool:
    """The checks' own Python per answer and per create, in this process (timeit, best of 5): the
    isolation check with its fast path (reference adapter) and read item by item (an adapter without
    ``answer_items``), a create's bookkeeping, a search's self-retrieval draw."""
    import timeit
    from itertools import count
    from types import SimpleNamespace

    from memload.adapters.base import FoundMemory
    from memload.adapters.reference import ReferenceAdapter, found_in
    from memload.checks.operations import Checker
    from memload.checks.state import CheckState
    from memload.scenario import parse_scenario

    class ItemByItem(ReferenceAdapter):
        """The reference adapter without the isolation check's fast path."""

        def answer_items(self, operation: str, reply: Any) -> None:
            return None

        def found_memories(self, operation: str, reply: Any) -> list[FoundMemory] | None:
            return found_in(ReferenceAdapter.answer_items(self, operation, reply))

    raw = {"load": {"users": 1, "duration": "5s"}, "mix": {"create_memory": 1, "search": 1},
           "checks": {"enabled": "all"}}
    checker = Checker(parse_scenario(raw, source="micro.toml"), CheckState())
    for n in range(10_000):
        checker.owners[f"m{n}"] = "u1"
    text = "a memory of some forty words " * 6
    search = {"results": [{"id": f"m{n}", "user_id": "u1", "content": text, "score": 0.5} for n in range(10)]}
    listed = {"memories": [{"id": f"m{n}", "user_id": "u1", "content": text} for n in range(20)]}

    def best_us(call: Callable[[], object], number: int = 20_000) -> float:
        return min(timeit.repeat(call, number=number, repeat=5)) / number * 1e6

    for label, adapter_class in (("fast path", ReferenceAdapter), ("item by item", ItemByItem)):
        tenant = SimpleNamespace(user_id="u1", adapter=adapter_class.__new__(adapter_class))
        print(f"isolation, {label}: 10-result search {best_us(lambda: checker.inspect(tenant, 'search', {}, search)):.2f} µs, "
              f"20-item list {best_us(lambda: checker.inspect(tenant, 'list_memories', {}, listed)):.2f} µs")
    tenant = SimpleNamespace(user_id="u1", adapter=ReferenceAdapter.__new__(ReferenceAdapter))
    ids = count()
    print(f"a create's bookkeeping (own memories, owner, write log): "
          f"{best_us(lambda: checker.created(tenant, f'n{next(ids)}', text)):.2f} µs; "
          f"a search's self-retrieval draw: {best_us(lambda: checker.wants_self_retrieval(tenant)):.2f} µs")
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("parts", nargs="*", default=["faults", "clean", "paired", "overhead"])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--clean-runs", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--wait", type=float, default=0.0, help="overhead: each user's wait between requests")
    parser.add_argument("--keep", type=Path, help="write the runs here and keep them (default: a temporary directory)")
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory(prefix="bench-checks-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        if "faults" in args.parts:
            ok &= faults(work, args.seconds)
        if "clean" in args.parts:
            ok &= clean(work, args.seconds, args.clean_runs)
        if "overhead" in args.parts:
            ok &= overhead(work, args.seconds, args.rounds, args.wait)
        if "micro" in args.parts:
            ok &= micro()
        if "paired" in args.parts:
            ok &= paired(work, args.seconds, args.rounds, args.wait)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
