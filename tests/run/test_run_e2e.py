"""`memload run` end to end: real reference target, real Locust processes, real files."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from memload.run.processes import free_port
from memload_cli import only_run_dir, run_memload, start_memload

pytestmark = pytest.mark.integration

REPORT_FILES = ("report.html", "report.md", "summary.json", "junit.xml")


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as file:
        return list(csv.DictReader(file))


def aggregated(run_dir: Path) -> dict[str, str]:
    return next(r for r in read_csv(run_dir / "locust_stats.csv") if r["Name"] == "Aggregated")


def test_smoke_end_to_end_writes_every_file(tmp_path):
    started = time.monotonic()
    result = run_memload("run", "smoke", "--out", str(tmp_path), "--quiet")
    elapsed_s = time.monotonic() - started
    assert result.returncode in (0, 1), result.stderr[-3000:]
    run_dir = only_run_dir(tmp_path)
    assert run_dir.name.endswith("_smoke")
    for name in (
        "run.json",
        "locust_stats.csv",
        "locust_stats_history.csv",
        "locust_failures.csv",
        "locust_exceptions.csv",
        "resources.csv",
        "host.csv",
        "target_metrics.csv",
        "locust.log",
        "target.log",
    ):
        assert (run_dir / name).is_file(), name
    for name in REPORT_FILES:
        assert (run_dir / "report" / name).is_file(), name
    info = json.loads((run_dir / "run.json").read_text())
    assert info["exit_status"] == "completed" and info["target_started"] is True
    assert info["host"].startswith("http://127.0.0.1:") and info["end_unix"] > info["start_unix"]
    shaping = {"memload", "locust", "gevent", "geventhttpclient", "faker", "hdrhistogram", "numpy", "pandas"}
    assert shaping <= set(info["versions"]), info["versions"]
    names = {r["Name"] for r in read_csv(run_dir / "locust_stats.csv")}
    assert {"create_memory", "search", "llm_chat", "rag_query", "get_memory"} <= names
    assert int(aggregated(run_dir)["Request Count"]) > 200
    roles = {r["role"] for r in read_csv(run_dir / "resources.csv")}
    assert roles == {"target", "locust"}
    metrics = {r["metric"] for r in read_csv(run_dir / "target_metrics.csv")}
    assert {"memload_http_requests_total", "memload_cache_hits_total"} <= metrics
    assert "operation" in result.stdout and "results:" in result.stdout
    assert elapsed_s < 60


def target_request_count(run_dir: Path) -> float:
    """Requests the target counted on the API routes, from its last /metrics scrape."""
    rows = read_csv(run_dir / "target_metrics.csv")
    last = max(float(r["timestamp"]) for r in rows)
    return sum(
        float(r["value"])
        for r in rows
        if r["metric"] == "memload_http_requests_total"
        and float(r["timestamp"]) == last
        and "/v1/" in r["labels"]
    )


def test_two_workers_totals_equal_what_the_target_received(tmp_path):
    result = run_memload(
        "run",
        "smoke",
        "--workers",
        "2",
        "--duration",
        "12s",
        "--out",
        str(tmp_path),
        "--quiet",
        "--no-report",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    run_dir = only_run_dir(tmp_path)
    roles = {r["role"] for r in read_csv(run_dir / "resources.csv")}
    assert {"target", "locust-master", "locust-worker-1", "locust-worker-2"} <= roles
    sent = int(aggregated(run_dir)["Request Count"])
    assert sent > 100
    # The shape drains before Locust quits: what the target received, what Locust counted and what
    # memload's recorder merged from the workers' reports are the same number.
    assert target_request_count(run_dir) == sent
    recorded = sum(int(r["requests"]) for r in read_csv(run_dir / "interval_counts.csv"))
    assert recorded == sent
    for index in (1, 2):
        log = (run_dir / f"locust-worker-{index}.log").read_text()
        assert "Traceback" not in log


@pytest.mark.slow  # tests/faults/test_interrupts.py checks more of the same in the default run
def test_sigint_mid_run_leaves_a_complete_directory(tmp_path):
    process = start_memload("run", "smoke", "--duration", "60s", "--out", str(tmp_path), "--quiet")
    deadline = time.monotonic() + 45
    history = None
    while time.monotonic() < deadline:
        runs = list(tmp_path.glob("*_smoke/locust_stats_history.csv"))
        if runs and runs[0].stat().st_size > 2000:
            history = runs[0]
            break
        time.sleep(0.5)
    assert history is not None, "the run never started writing statistics"
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 2, stderr[-2000:]
    assert "interrupted" in stderr and "Traceback" not in stderr
    run_dir = history.parent
    info = json.loads((run_dir / "run.json").read_text())
    assert info["exit_status"] == "interrupted" and info["end_unix"] is not None
    assert int(aggregated(run_dir)["Request Count"]) > 0
    for name in REPORT_FILES:
        assert (run_dir / "report" / name).is_file(), name


def test_unreachable_host_is_one_line_and_exit_2(tmp_path):
    port = free_port()
    started = time.monotonic()
    result = run_memload("run", "smoke", "--host", f"http://127.0.0.1:{port}", "--out", str(tmp_path))
    assert result.returncode == 2
    assert time.monotonic() - started < 15
    assert f"cannot reach http://127.0.0.1:{port}: connection refused" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing was made for a run that could not start


def test_web_ui_run_writes_the_same_directory(tmp_path):
    import requests

    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "memload",
            "run",
            "smoke",
            "--web",
            "--web-port",
            str(port),
            "--out",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    ui = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(ui, timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.3)
        started = requests.post(f"{ui}/swarm", data={"user_count": 5, "spawn_rate": 5}, timeout=5).json()
        assert (
            started["success"] and "ScenarioShape" in started["message"]
        )  # the scenario's shape, preselected
        time.sleep(5)
        assert requests.get(f"{ui}/stats/requests", timeout=5).json()["state"] == "running"
        requests.post(f"{ui}/stop", timeout=5)
        time.sleep(1.5)
    finally:
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    assert process.returncode in (0, 1), stderr[-2000:]
    run_dir = only_run_dir(tmp_path)
    info = json.loads((run_dir / "run.json").read_text())
    assert info["exit_status"] == "completed" and info["arguments"]["web"] is True
    assert int(aggregated(run_dir)["Request Count"]) > 0
    assert (run_dir / "report" / "report.html").is_file()


@pytest.mark.slow  # tests/faults/test_killed_run.py checks it in the default run
def test_children_do_not_outlive_a_killed_memload(tmp_path):
    """kill -9 of memload itself: the target and Locust it started stop too (no orphans on loopback)."""
    import psutil

    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "memload",
            "run",
            "smoke",
            "--duration",
            "60s",
            "--out",
            str(tmp_path),
            "--quiet",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 45
    children: list = []
    while time.monotonic() < deadline and len(children) < 2:
        children = psutil.Process(process.pid).children()
        time.sleep(0.3)
    assert len(children) >= 2, "memload did not start the target and Locust"
    process.kill()
    process.wait(timeout=10)
    gone, alive = psutil.wait_procs(children, timeout=30)
    assert alive == []
