"""Signals while memload runs (issue 11, items 1 and 2): every interruption keeps everything recorded
up to the stop, in memload's files as in Locust's, the workers' last intervals included; a signal
while the report is written finishes the report and exits 2; a second one abandons it, also 2."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest

from memload_cli import read_rows, start_memload, wait_for_load

pytestmark = pytest.mark.integration


def recorded_requests(run_dir: Path) -> dict[str, int]:
    """The whole run's request count as each file has it."""
    stats = next(r for r in read_rows(run_dir / "locust_stats.csv") if r["Name"] == "Aggregated")
    history = [r for r in read_rows(run_dir / "locust_stats_history.csv") if r["Name"] == "Aggregated"]
    counts = read_rows(run_dir / "interval_counts.csv")
    return {
        "locust_stats": int(stats["Request Count"]),
        "locust_history_last": int(history[-1]["Total Request Count"]),
        "memload_intervals": sum(int(r["requests"]) for r in counts),
    }


@pytest.mark.parametrize(
    ("sig", "workers"),
    [(signal.SIGTERM, "2"), (signal.SIGINT, "0")],
    ids=["sigterm-2-workers", "sigint-1-process"],
)
def test_a_stopped_run_keeps_every_recorded_request(tmp_path: Path, sig: int, workers: str) -> None:
    process = start_memload(
        "run",
        "smoke",
        "--duration",
        "60s",
        "--workers",
        workers,
        "--out",
        str(tmp_path),
        "--quiet",
        "--no-report",
    )
    run_dir = wait_for_load(tmp_path)
    time.sleep(8)  # into the second 10 s interval, so closed and open intervals are both at stake
    process.send_signal(sig)
    _, stderr = process.communicate(timeout=90)
    assert process.returncode == 2, stderr[-2000:]
    assert "Traceback" not in stderr
    counts = recorded_requests(run_dir)
    assert counts["memload_intervals"] > 500, counts
    assert len(set(counts.values())) == 1, counts  # memload's files and Locust's agree exactly
    histogram_scopes = {r["scope"] for r in read_rows(run_dir / "hdr_histograms.csv")}
    assert {"create_memory", "search", "llm_chat"} <= histogram_scopes
    assert json.loads((run_dir / "run.json").read_text())["exit_status"] == "interrupted"


def read_until(process, marker: str, timeout_s: float = 90.0) -> list[str]:
    lines: list[str] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith(marker):
            return lines
    raise AssertionError(f"no line starting with {marker!r}: {lines[-5:]}")


@pytest.mark.parametrize("signals", [1, 2], ids=["one-signal", "two-signals"])
def test_a_signal_while_the_report_is_written(tmp_path: Path, signals: int) -> None:
    process = start_memload("run", "smoke", "--duration", "6s", "--out", str(tmp_path), "--quiet")
    read_until(process, "results:")  # the run is over; the report is being written now
    for _ in range(signals):
        process.send_signal(signal.SIGINT)
        time.sleep(0.05)
    stdout, stderr = process.communicate(timeout=90)
    assert process.returncode == 2, stderr[-2000:]
    assert "Traceback" not in stderr and "Aborted" not in stderr
    run_dir = next(tmp_path.iterdir())
    assert json.loads((run_dir / "run.json").read_text())["exit_status"] == "completed"
    if signals == 1:
        assert (run_dir / "report" / "summary.json").is_file()
        assert "results and report are complete" in stderr
    else:
        assert f"memload report {run_dir}" in stderr
