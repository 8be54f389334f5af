"""A target that goes away and does not come back (issue 13): the run ends by itself once the target
has accepted no connection for --target-down-limit, with exit 2, run.json "failed" and a complete
directory whose report (INCOMPLETE) shows the load up to then."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest

from memload_cli import only_run_dir, start_memload, start_reference_target

pytestmark = pytest.mark.integration


def test_a_target_that_stays_down_ends_the_run(tmp_path: Path) -> None:
    server, url = start_reference_target(tmp_path / "memories.db")
    out = tmp_path / "out"
    started = time.monotonic()
    run = start_memload(
        "run",
        "smoke",
        "--host",
        url,
        "--duration",
        "60s",
        "--target-down-limit",
        "4s",
        "--warmup",
        "0s",  # the report's window needs whole intervals of load before the kill
        "--out",
        str(out),
        "--quiet",
    )
    time.sleep(15)
    server.send_signal(signal.SIGKILL)
    server.wait(timeout=10)
    stdout, stderr = run.communicate(timeout=90)
    assert run.returncode == 2, stderr[-2000:]
    assert time.monotonic() - started < 45  # ended by the limit, not by the 60 s duration
    assert "has not accepted a connection for 4 s" in stderr and "Traceback" not in stderr
    run_dir = only_run_dir(out)
    assert json.loads((run_dir / "run.json").read_text())["exit_status"] == "failed"
    summary = json.loads((run_dir / "report" / "summary.json").read_text())
    assert summary["verdict"] == "INCOMPLETE" and summary["figures"]["total.requests"] > 100
