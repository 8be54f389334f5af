"""The service misbehaves (issue 11, fault campaign): a target killed and restarted mid-run costs
failures during the gap only, and requests succeed again after it; a target that stalls longer than
the client's timeout gives 'timeout: …' failures at the timeout, not a 60 s wait."""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path

import pytest

from memload_cli import (
    aggregated_stats,
    descendants,
    kill_all,
    read_rows,
    run_memload,
    start_memload,
    start_reference_target,
    wait_for_load,
)

pytestmark = pytest.mark.integration


def interval_totals(run_dir: Path) -> dict[int, tuple[int, int]]:
    """interval start -> (requests, failures) over every operation (interval_counts.csv)."""
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for row in read_rows(run_dir / "interval_counts.csv"):
        totals[int(row["interval_start"])][0] += int(row["requests"])
        totals[int(row["interval_start"])][1] += int(row["failures"])
    return {start: (r, f) for start, (r, f) in sorted(totals.items())}


def history(run_dir: Path) -> list[tuple[int, int, int]]:
    """(unix second, cumulative requests, cumulative failures) from Locust's full history."""
    rows = [r for r in read_rows(run_dir / "locust_stats_history.csv") if r["Name"] == "Aggregated"]
    return [(int(r["Timestamp"]), int(r["Total Request Count"]), int(r["Total Failure Count"])) for r in rows]


def test_a_target_killed_and_restarted_mid_run(tmp_path: Path) -> None:
    from memload.run.processes import free_port

    port, db, log = free_port(), tmp_path / "m.db", tmp_path / "target.log"
    target, url = start_reference_target(db, port=port, log=log)
    out = tmp_path / "out"
    run = start_memload("run", "smoke", "--host", url, "--duration", "20s", "--out", str(out), "--quiet")
    try:
        run_dir = wait_for_load(out, min_bytes=200)
        time.sleep(6)
        target.kill()
        target.wait(timeout=10)
        killed_at = time.time()
        time.sleep(4)
        target, _ = start_reference_target(db, port=port, log=log)  # same port, same database
        restarted_at = time.time()
        stdout, stderr = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            kill_all(descendants(run.pid))
            run.kill()
        target.terminate()
        target.wait(timeout=15)
    assert run.returncode in (0, 1), stderr[-3000:]
    assert "Traceback" not in stderr

    seconds = history(run_dir)
    before = [s for s in seconds if s[0] < killed_at - 1]
    after = [s for s in seconds if s[0] > restarted_at + 2]
    assert before and before[-1][1] > 100 and before[-1][2] == 0, before[-3:]  # clean until the kill
    assert seconds[-1][2] > 0  # the gap failed requests
    assert len(after) >= 3, (restarted_at, seconds[-5:])
    assert after[-1][1] - after[0][1] > 100, after  # requests go on after the restart …
    assert after[-1][2] - after[0][2] == 0, after  # … and succeed

    intervals = interval_totals(run_dir)
    for start, (requests, failures) in intervals.items():
        if start + 10 <= killed_at:  # wholly before the kill
            assert failures == 0, (start, requests, failures)
        if start >= restarted_at + 2:  # wholly after the restart
            assert requests > 0 and failures == 0, (start, requests, failures)
    gap = [v for start, v in intervals.items() if start < restarted_at and start + 10 > killed_at]
    assert sum(f for _, f in gap) > 0, intervals
    assert sum(f for _, f in intervals.values()) == int(aggregated_stats(run_dir)["Failure Count"])
    errors = {r["Error"] for r in read_rows(run_dir / "locust_failures.csv")}
    assert errors and all("no response" in e or "HTTP" in e for e in errors), errors
    assert not read_rows(run_dir / "locust_exceptions.csv")  # no user crashed on the gap


STALLING = """name = "stalling"
target = "reference"
seed = 3
timeout = "0.5s"

[load]
users = 5
spawn_rate = 5
duration = "8s"

[pacing]
wait = "between"
min_s = 0.01
max_s = 0.05

[mix]
search = 1
create_memory = 1

[reference]
stall_every_s = 4
stall_for_s = 2
"""


def test_a_stall_beyond_the_client_timeout_fails_as_timeouts(tmp_path: Path) -> None:
    path = tmp_path / "stalling.toml"
    path.write_text(STALLING)
    out = tmp_path / "out"
    result = run_memload("run", str(path), "--out", str(out), "--quiet", timeout=120)
    assert result.returncode in (0, 1), result.stderr[-3000:]
    run_dir = next(out.iterdir())
    failures = read_rows(run_dir / "locust_failures.csv")
    assert failures, "the stalls failed no request"
    for row in failures:
        assert row["Error"].startswith("CatchResponseError('timeout:"), row
    stats = aggregated_stats(run_dir)
    assert int(stats["Failure Count"]) >= 5, stats
    assert float(stats["Max Response Time"]) < 1500, stats  # the 0.5 s timeout, not the 2 s stall
    assert float(stats["Max Response Time"]) >= 450, stats  # the timed-out requests waited it out
