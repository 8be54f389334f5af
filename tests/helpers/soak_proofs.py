"""The proofs of issue 13 against the reference service, compressed to a few minutes (users listing
their memories, which stores nothing: with creates, the service's RSS grows ~700 MB/h by what it
rightly keeps, and a clean run would be flagged for it): a run with a
memory leak and an fd leak injected (`[reference] leak_bytes_per_request`, `leak_fd_every`) is flagged
with the injected rates recovered; the same run without injection is not flagged; a run whose target
is killed and restarted midway shows the error burst where it happened. Run by tests/truth (slow) and
printed by benchmarks/bench_soak.py. A scenario named soak… gets the soak analysis from 2 minutes."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import Any

from memload_cli import run_memload, start_memload, start_reference_target

SCENARIO = """
name = "soak-proof"
seed = {seed}
warmup = "20s"
[load]
users = 10
spawn_rate = 10
duration = "{duration_s}s"
[pacing]
wait = "between"
min_s = 0.02
max_s = 0.06
[mix]
list_memories = 1
[reference]
{reference}
[thresholds]
"soak.leaks" = "== 0"
"""


def _run(
    work: Path, name: str, *, reference: str, seed: int, duration_s: int, host: str | None = None
) -> Path:
    path = work / f"{name}.toml"
    path.write_text(SCENARIO.format(seed=seed, duration_s=duration_s, reference=reference))
    out = work / name
    args = ["run", str(path), "--out", str(out), "--quiet"] + (["--host", host] if host else [])
    result = run_memload(*args, timeout=duration_s + 180)
    if result.returncode not in (0, 1):
        raise RuntimeError(result.stderr[-2000:])
    return next(out.iterdir())


def _summary(run_dir: Path) -> dict[str, Any]:
    return json.loads((run_dir / "report" / "summary.json").read_text())


def injected_per_h(run_dir: Path, per_request: float) -> float:
    """What the injection adds per hour: the target's requests per second (from the figures) × the
    amount per request."""
    figures = _summary(run_dir)["figures"]
    return figures["total.rps"] * per_request * 3600.0


def proof_leaks(
    work: Path, *, bytes_per_request: int = 1000, fd_every: int = 100, duration_s: int = 180, seed: int = 21
) -> dict[str, Any]:
    reference = f"leak_bytes_per_request = {bytes_per_request}\nleak_fd_every = {fd_every}"
    run_dir = _run(work, "leaking", reference=reference, seed=seed, duration_s=duration_s)
    figures = _summary(run_dir)["figures"]
    rss_truth = injected_per_h(run_dir, bytes_per_request / 1024 / 1024)  # resources.csv: MiB
    fd_truth = injected_per_h(run_dir, 1.0 / fd_every)
    return {
        "run_dir": str(run_dir),
        "leaks": figures.get("soak.leaks"),
        "rss_slope": figures.get("target.rss_slope_mb_per_h"),
        "rss_truth": rss_truth,
        "fd_slope": figures.get("target.num_fds_slope_per_h"),
        "fd_truth": fd_truth,
        "verdict": _summary(run_dir)["verdict"],
    }


def proof_clean(work: Path, *, duration_s: int = 180, seed: int = 22, name: str = "clean") -> dict[str, Any]:
    run_dir = _run(work, name, reference="cache = true", seed=seed, duration_s=duration_s)
    figures = _summary(run_dir)["figures"]
    return {
        "run_dir": str(run_dir),
        "leaks": figures.get("soak.leaks"),
        "rss_slope": figures.get("target.rss_slope_mb_per_h"),
        "verdict": _summary(run_dir)["verdict"],
        "bursts": figures.get("soak.error_bursts"),
    }


def proof_restart(
    work: Path, *, duration_s: int = 180, kill_at_s: float = 70.0, down_s: float = 12.0
) -> dict[str, Any]:
    """Kill the target ``kill_at_s`` into the run and restart it ``down_s`` later on the same port."""
    db = work / "restart.db"
    server, url = start_reference_target(db)
    port = int(url.rsplit(":", 1)[1])
    path = work / "restart.toml"
    path.write_text(SCENARIO.format(seed=23, duration_s=duration_s, reference="cache = true"))
    out = work / "restart"
    run = start_memload("run", str(path), "--host", url, "--out", str(out), "--quiet")
    started = time.time()
    time.sleep(kill_at_s)
    server.send_signal(signal.SIGKILL)
    server.wait(timeout=10)
    killed = time.time()
    time.sleep(down_s)
    server, _ = start_reference_target(db, port=port)
    restarted = time.time()
    run.communicate(timeout=duration_s + 120)
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=15)
    from memload.analysis.figures.analyse import analyse

    run_dir = next(out.iterdir())
    soak = analyse(run_dir).soak
    return {
        "run_dir": str(run_dir),
        "started_unix": started,
        "killed_unix": killed,
        "restarted_unix": restarted,
        "bursts": [(b.start_unix, b.end_unix, b.failures) for b in soak.bursts] if soak is not None else [],
        "exit": run.returncode,
    }
