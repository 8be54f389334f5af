"""A Locust worker killed with SIGKILL mid-run (issue 11, fault campaign): memload says so on the
console at once, records it in run.json (lost_workers) and the report (a LOST WORKER notice), and the
run FAILs with exit code 1, unless --allow-lost-workers; a run whose workers quit by themselves at the
end lost none."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from pathlib import Path

import pytest

from memload_cli import descendants, kill_all, start_memload, wait_for_load

pytestmark = pytest.mark.integration


def worker_processes(memload_pid: int, expected: int, *, timeout_s: float = 30.0) -> list:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        workers = descendants(memload_pid, cmdline_contains="--worker")
        if len(workers) == expected:
            return workers
        time.sleep(0.2)
    raise AssertionError(f"{expected} worker processes did not appear under memload")


def role_of(pid: int) -> str:
    """The worker's role, told by the log file memload gave it as stderr (locust-worker-N.log)."""
    log = os.readlink(f"/proc/{pid}/fd/2")
    found = re.search(r"(locust-worker-\d+)\.log$", log)
    assert found, log
    return found.group(1)


def read_json(path: Path) -> dict:
    return json.loads(path.read_text())


@pytest.mark.parametrize(
    "allow",
    [
        pytest.param(False, id="lost-worker-fails"),
        # the flag only changes the exit code (tests/analysis/test_report.py checks the verdict)
        pytest.param(True, id="allow-lost-workers", marks=pytest.mark.slow),
    ],
)
def test_a_worker_killed_mid_run_is_reported(tmp_path: Path, allow: bool) -> None:
    args = ["run", "smoke", "--workers", "2", "--duration", "20s", "--out", str(tmp_path)]
    process = start_memload(*args, *(["--allow-lost-workers"] if allow else []))
    try:
        victim = worker_processes(process.pid, 2)[0]
        role = role_of(victim.pid)
        run_dir = wait_for_load(tmp_path)
        time.sleep(5)  # ~8 s into the run, 12 s of load still to go
        victim.send_signal(signal.SIGKILL)
        stdout, stderr = process.communicate(timeout=150)
    finally:
        if process.poll() is None:
            kill_all(descendants(process.pid))
            process.kill()
    assert "Traceback" not in stderr, stderr[-3000:]
    assert f"{role} (pid {victim.pid}) is gone (killed by SIGKILL)" in stdout, stdout[-3000:]
    info = read_json(run_dir / "run.json")
    assert info["exit_status"] == "completed"
    assert [(w["role"], w["pid"], w["exit"]) for w in info["lost_workers"]] == [
        (role, victim.pid, "killed by SIGKILL")
    ]
    summary = read_json(run_dir / "report" / "summary.json")
    lost_notices = [n for n in summary["notices"] if n.startswith("LOST WORKER:")]
    assert len(lost_notices) == 1 and role in lost_notices[0], summary["notices"]
    assert f"LOST WORKER: {role}" in stderr
    if allow:
        assert (process.returncode, summary["verdict"]) == (0, "PASS"), stderr[-3000:]
    else:
        assert (process.returncode, summary["verdict"]) == (1, "FAIL"), stderr[-3000:]
        assert "worker(s) lost mid-run" in stderr


def test_workers_that_quit_at_the_end_are_not_lost(tmp_path: Path) -> None:
    # 20 s: a steady window over 15 s always holds a whole 10 s interval after smoke's 3 s warm-up
    process = start_memload("run", "smoke", "--workers", "2", "--duration", "20s", "--out", str(tmp_path))
    try:
        stdout, stderr = process.communicate(timeout=150)
    finally:
        if process.poll() is None:
            kill_all(descendants(process.pid))
            process.kill()
    assert process.returncode == 0, stderr[-3000:]
    assert "is gone" not in stdout and "LOST WORKER" not in stderr
    run_dir = next(tmp_path.iterdir())
    info = read_json(run_dir / "run.json")
    assert (info["exit_status"], info["lost_workers"]) == ("completed", [])
    summary = read_json(run_dir / "report" / "summary.json")
    assert summary["verdict"] == "PASS" and not summary["notices"], summary["notices"]
