"""memload itself killed with SIGKILL mid-run (issue 11, fault campaign): its children (the reference
target and Locust) die with it (PR_SET_PDEATHSIG), run.json still says "running", and `memload report`
on the directory gives the INCOMPLETE verdict (exit 2) with a report that says so. The target's
database was in the run directory (target-scratch/), never in the system's temporary folder."""

from __future__ import annotations

import json
import re
import signal
from pathlib import Path

import psutil
import pytest

from memload_cli import descendants, kill_all, run_memload, start_memload, wait_for_load, wait_gone

pytestmark = pytest.mark.integration


def processes_mentioning(text: str) -> list[psutil.Process]:
    """Living processes (but this one) whose command line contains ``text``."""
    found = []
    for process in psutil.process_iter(["pid", "cmdline", "status"]):
        if process.pid == psutil.Process().pid or process.info["status"] == psutil.STATUS_ZOMBIE:
            continue
        if text in " ".join(process.info["cmdline"] or []):
            found.append(process)
    return found


def test_report_on_a_run_whose_memload_was_killed(tmp_path: Path) -> None:
    out, system_tmp = tmp_path / "out", tmp_path / "system-tmp"
    system_tmp.mkdir()
    # The children's temporary folder is one this test can see alone (other tests may run serve).
    env = {"TMPDIR": str(system_tmp), "TEMP": str(system_tmp), "TMP": str(system_tmp)}
    process = start_memload("run", "smoke", "--duration", "30s", "--out", str(out), "--quiet", env=env)
    children: list[psutil.Process] = []
    try:
        run_dir = wait_for_load(out)
        children = descendants(process.pid)
        roles = {" ".join(c.cmdline()) for c in children}
        assert any(" serve " in r for r in roles) and any("locust" in r for r in roles), roles
        assert (run_dir / "target-scratch" / "memories.db").is_file()
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        left = wait_gone(children, timeout_s=20)
        assert not left, [" ".join(p.cmdline()) for p in left]
    finally:
        kill_all(children)
        if process.poll() is None:
            process.kill()
    assert not processes_mentioning(str(tmp_path))  # no process of this run, wherever it came from
    assert json.loads((run_dir / "run.json").read_text())["exit_status"] == "running"

    result = run_memload("report", str(run_dir), timeout=120)
    assert result.returncode == 2, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert "verdict: INCOMPLETE" in result.stdout
    assert any(line.startswith("INCOMPLETE:") for line in result.stderr.splitlines()), result.stderr
    summary = json.loads((run_dir / "report" / "summary.json").read_text())
    assert summary["verdict"] == "INCOMPLETE"
    assert "INCOMPLETE" in (run_dir / "report" / "report.html").read_text()

    # The target's database: in the run directory (or removed), never in a temporary folder.
    said = re.search(r" db (\S+),", (run_dir / "target.log").read_text())
    assert said, "target.log does not say where its database was"
    db = Path(said.group(1))
    assert db.parent == run_dir / "target-scratch", db
    assert not list(system_tmp.glob("memload-target-*"))
