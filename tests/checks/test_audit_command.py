"""A run with [checks] audit against a service that drops writes, stopped by hand: memload records
that it did not audit (the report says so) and keeps the write log; `memload audit` then reads the
writes back from the same service, bounded by --max, finds the lost ones, rewrites the report with
them first, and exits 1. Without a write log, or with the service gone, it is a one-line error."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest

from memload import names as C
from memload_cli import harness_error_line, run_memload, start_memload, start_reference_target, wait_for_load

pytestmark = pytest.mark.integration

SCENARIO = """
name = "audit-later"
seed = 9
[load]
users = 4
spawn_rate = 4
duration = "60s"
[pacing]
wait = "constant"
seconds = 0.01
[mix]
create_memory = 3
get_memory = 1
delete_memory = 1
[checks]
enabled = ["audit"]
"""


def test_an_interrupted_runs_writes_are_audited_afterwards(tmp_path: Path) -> None:
    target, url = start_reference_target(tmp_path / "db.sqlite", flags=("--write-drop-rate", "0.2"))
    try:
        (tmp_path / "s.toml").write_text(SCENARIO)
        run = start_memload("run", str(tmp_path / "s.toml"), "--host", url, "--out", str(tmp_path / "out"))
        run_dir = wait_for_load(tmp_path / "out")
        time.sleep(2.0)
        run.send_signal(signal.SIGINT)
        _, stderr = run.communicate(timeout=120)
        assert run.returncode == 2, stderr[-2000:]
        not_run = json.loads((run_dir / C.CHECKS_AUDIT_JSON).read_text())
        assert "the load did not complete" in not_run[C.AUDIT_NOT_RUN]
        summary = json.loads((run_dir / C.REPORT_DIR / C.SUMMARY_JSON).read_text())
        assert any("audit did not run" in w for w in summary["warnings"])
        assert "checks.audited" not in summary["figures"]

        result = run_memload("audit", str(run_dir), "--host", url, "--max", "300", "--rate", "2000")
        assert result.returncode == 1, result.stderr[-2000:]
        assert result.stdout.startswith("checks audit: ") and " lost, " in result.stdout
        audit = json.loads((run_dir / C.CHECKS_AUDIT_JSON).read_text())
        assert 200 <= audit["audited"] <= 300 and audit["errors"] == 0
        summary = json.loads((run_dir / C.REPORT_DIR / C.SUMMARY_JSON).read_text())
        assert summary["figures"]["checks.lost_writes"] == audit["lost_writes"]
        assert 0.1 < summary["figures"]["checks.lost_write_rate"] < 0.3  # 0.2 of the creates dropped
        assert any(n.startswith("CHECK FAILED: lost writes:") for n in summary["notices"])
    finally:
        target.terminate()
        target.wait(timeout=15)
    gone = harness_error_line(run_memload("audit", str(run_dir), "--host", url))
    assert gone.startswith(f"Error: cannot reach {url}")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert harness_error_line(run_memload("audit", str(empty), "--host", url)).endswith(
        "no scenario.json: not a run with [checks] audit"
    )
