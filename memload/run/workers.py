"""Local Locust workers that go away: a worker process that exits while the master still runs took
its users with it (Locust does not rebalance them here), so the run is reported as having lost it:
on the console at once, in run.json (``lost_workers``) and in the report. And a master that gave up
waiting for its workers says how many came."""

from __future__ import annotations

import json
import re
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from memload import names as C
from memload.run.processes import Child

_WAITING = re.compile(r"Waiting for workers to be ready, (\d+) of (\d+) connected")
GAVE_UP = "Gave up waiting for workers to connect"


def exit_description(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"


@dataclass
class WorkerWatch:
    """Notices workers that exit before the run stops them."""

    workers: list[Child]
    started_unix_s: float
    load_ends_unix: float | None  # the scheduled end of the load (None: the web UI decides)
    lost: list[dict[str, Any]] = field(default_factory=list)

    def is_lost(self, worker: Child, now: float) -> bool:
        """Killed by a signal, or gone before the load was due to end. A worker that quits when the
        run ends exits by itself (code 0, or 1 when its users saw failures) after the load's end."""
        code = worker.process.returncode
        early = self.load_ends_unix is not None and now < self.load_ends_unix
        return code is not None and (code < 0 or early)

    def check(self) -> list[dict[str, Any]]:
        """Workers lost since the last check, as run.json records them (call it while the master runs)."""
        known = {entry["role"] for entry in self.lost}
        found = []
        now = time.time()
        for worker in self.workers:
            if worker.role in known or worker.running():
                continue
            seen = now
            if self.is_lost(worker, now):
                found.append(
                    {
                        "role": worker.role,
                        "pid": worker.pid,
                        "exit": exit_description(worker.process.returncode),
                        "at_unix": round(seen, 3),
                        "after_s": round(seen - self.started_unix_s, 1),
                    }
                )
        self.lost.extend(found)
        return found


def connection_failure(log_path: Path, expected: int) -> str | None:
    """The master's log says it gave up waiting for workers: how many connected, in one line."""
    try:
        text = log_path.read_text(errors="replace")
    except OSError:
        return None
    if GAVE_UP not in text:
        return None
    counts = _WAITING.findall(text)
    connected = counts[-1][0] if counts else "fewer"
    return f"only {connected} of {expected} Locust workers connected to the master in time"


def read_roster(run_dir: Path) -> list[dict[str, Any]]:
    """The master's workers.json (loadgen.roster): one entry per worker it saw; [] without one."""
    try:
        entries = json.loads((run_dir / C.WORKERS_JSON).read_text())
    except (OSError, ValueError):
        return []
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def missing_workers(roster: list[dict[str, Any]], started_unix_s: float) -> list[dict[str, Any]]:
    """Workers started elsewhere that left while the test ran, as run.json's ``lost_workers``
    records local ones."""
    lost = []
    for entry in roster:
        missing = entry.get(C.WK_GONE_UNIX)
        if missing is None:
            continue
        lost.append(
            {
                "role": f"worker {entry.get(C.WK_ID)} on {entry.get(C.WK_HOST)}",
                "pid": None,
                "exit": "left the master mid-run",
                "at_unix": missing,
                "after_s": round(float(missing) - started_unix_s, 1),
            }
        )
    return lost


def read_abort(run_dir: Path) -> dict[str, Any] | None:
    """abort.json: the abort_on_fail threshold that stopped the run (loadgen.live.metrics), or None."""
    try:
        record = json.loads((run_dir / C.ABORT_JSON).read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def lost_worker_line(lost: dict[str, Any]) -> str:
    """What the console says of a worker lost mid-run (``lost`` as ``WorkerWatch.check`` gives it)."""
    return (
        f"memload: {lost['role']} (pid {lost['pid']}) is gone ({lost['exit']}) after "
        f"{lost['after_s']:g} s: its users stopped with it; figures cover what it sent until then"
    )


def final_facts(
    first_dir: Path,
    run_dir: Path,
    *,
    lost: list[dict[str, Any]],
    workers: int,
    far: bool,
    started_unix_s: float,
) -> dict[str, Any]:
    """What run.json records of the workers and an abort when the run ends (``run_dir`` differs from
    ``first_dir``, which has the roster, after several tests in the web UI)."""
    facts: dict[str, Any] = {C.RUN_LOST_WORKERS: list(lost)}
    aborted = read_abort(run_dir)  # the report's first line says it
    if aborted is not None:
        facts[C.RUN_ABORTED] = aborted
    if workers:
        facts[C.RUN_WORKER_HOSTS] = read_roster(first_dir)
    if far:  # workers that never came, or left: from `memload master`'s roster
        facts[C.RUN_LOST_WORKERS] += missing_workers(facts.get(C.RUN_WORKER_HOSTS, []), started_unix_s)
    return facts
