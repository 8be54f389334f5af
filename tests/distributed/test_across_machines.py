"""Issue 16's proof on one machine: a master and workers as separate processes that talk only over
TCP, the master bound to 127.0.0.2 (not the default 127.0.0.1), each worker in a temporary working
directory of its own with no results directory in its environment, so nothing relies on the default
address or a shared filesystem. Traffic stays on 127.0.0.0/8."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from memload import names as C
from memload_cli import aggregated_stats, descendants, kill_all, only_run_dir, start_memload, wait_for_load

pytestmark = pytest.mark.integration
MASTER_ADDRESS = "127.0.0.2"


def start_worker(port: int, cwd: Path) -> subprocess.Popen:
    """``memload worker`` from a directory of its own, without the master's results directory."""
    cwd.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in (C.RUN_DIR_ENV, C.SCENARIO_FILE_ENV)}
    return subprocess.Popen(
        [sys.executable, "-m", "memload", "worker", "--master", f"{MASTER_ADDRESS}:{port}", "--wait", "30s"],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def start_master(
    out: Path, port: int, *, workers: int, duration: str, extra: tuple[str, ...] = ()
) -> subprocess.Popen:
    return start_memload(
        "master",
        "smoke",
        "--expect-workers",
        str(workers),
        "--bind",
        MASTER_ADDRESS,
        "--master-port",
        str(port),
        "--duration",
        duration,
        "--out",
        str(out),
        "--worker-wait",
        "20s",
        "--quiet",
        *extra,
    )


def port_pair() -> int:
    """A free port whose next one is free too, on the master's address."""
    from memload.run.processes import free_port

    for _ in range(20):
        port = free_port(MASTER_ADDRESS)
        if port < 65535:
            try:
                import socket

                with socket.socket() as probe:
                    probe.bind((MASTER_ADDRESS, port + 1))
                return port
            except OSError:
                continue
    raise AssertionError("no two free consecutive ports")


def finish(process: subprocess.Popen, timeout: float = 120) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


def test_a_master_on_127_0_0_2_and_two_workers_in_their_own_directories(tmp_path: Path) -> None:
    port = port_pair()
    # 20 s: smoke's 3 s warm-up leaves a steady window over 15 s, which always holds a whole 10 s
    # interval after the warm-up (at 12 s it held none when the warm-up ended early in an interval:
    # every threshold n/a, FAIL; 2 runs of 9)
    master = start_master(tmp_path / "results", port, workers=2, duration="20s")
    workers = [start_worker(port, tmp_path / f"worker-{i}") for i in (1, 2)]
    code, out, err = finish(master)
    worker_codes = [w.wait(timeout=30) for w in workers]
    assert code == 0, (out, err[-3000:])
    assert worker_codes == [0, 0], [w.stdout.read() for w in workers if w.stdout]
    run_dir = only_run_dir(tmp_path / "results")
    roster = json.loads((run_dir / C.WORKERS_JSON).read_text())
    assert len(roster) == 2 and all(e[C.WK_GONE_UNIX] is None and not e[C.WK_LATE] for e in roster)
    sent = [e[C.WK_REQUESTS] for e in roster]
    assert min(sent) > 100
    # the totals are what each worker sent: Locust's and memload's own
    assert sum(sent) == int(aggregated_stats(run_dir)["Request Count"])
    summary = json.loads((run_dir / C.REPORT_DIR / C.SUMMARY_JSON).read_text())
    assert summary["figures"]["total.requests"] <= sum(sent)  # the steady window, after the warm-up
    meta = json.loads((run_dir / C.RUN_JSON).read_text())
    assert meta[C.RUN_WORKER_HOSTS] == roster and meta[C.RUN_LOST_WORKERS] == []
    assert meta[C.RUN_ARGUMENTS]["distributed"] == {"bind": MASTER_ADDRESS, "master_port": port}
    for index in (1, 2):  # the workers wrote nothing of the run where they ran
        assert not list((tmp_path / f"worker-{index}").iterdir())
    assert out.count("requests, 0 failures") == 2  # one line per worker


@pytest.mark.slow  # 41 s; the default suite keeps under 15 min: tests/faults/test_lost_workers.py kills
# a local worker mid-run the same way (the roster and the lost-worker report are the same code)
def test_a_worker_killed_mid_run_is_reported_and_the_run_completes(tmp_path: Path) -> None:
    port = port_pair()
    master = start_master(tmp_path / "results", port, workers=2, duration="25s")
    workers = [start_worker(port, tmp_path / f"worker-{i}") for i in (1, 2)]
    try:
        wait_for_load(tmp_path / "results", timeout_s=60)
        time.sleep(4)
        victim = [workers[0].pid, *[p.pid for p in descendants(workers[0].pid)]]
        for pid in victim:  # SIGKILL: no goodbye to the master
            os.kill(pid, signal.SIGKILL)
        killed_unix = time.time()
        code, out, err = finish(master)
    finally:
        kill_all(descendants(master.pid))
        for w in workers:
            w.kill() if w.poll() is None else None
    assert code == 1, (out, err[-3000:])  # a lost worker fails the run unless --allow-lost-workers
    assert "worker(s) lost mid-run" in err
    run_dir = only_run_dir(tmp_path / "results")
    meta = json.loads((run_dir / C.RUN_JSON).read_text())
    assert meta[C.RUN_EXIT_STATUS] == "completed"
    [lost] = meta[C.RUN_LOST_WORKERS]
    assert lost["exit"] == "left the master mid-run"
    assert killed_unix - 1 <= lost["at_unix"] <= killed_unix + 10  # Locust: 3 s without a heartbeat
    summary = json.loads((run_dir / C.REPORT_DIR / C.SUMMARY_JSON).read_text())
    assert any(n.startswith("LOST WORKER: worker ") for n in summary["notices"])
    roster = json.loads((run_dir / C.WORKERS_JSON).read_text())
    assert sum(e[C.WK_REQUESTS] for e in roster) == int(aggregated_stats(run_dir)["Request Count"])


@pytest.mark.slow  # 60 s: two masters; the default suite keeps under 15 min
def test_a_worker_that_never_comes_is_named_and_a_late_one_is_reported(tmp_path: Path) -> None:
    port = port_pair()
    master = start_master(tmp_path / "never", port, workers=2, duration="10s")
    lone = start_worker(port, tmp_path / "lone")
    code, out, err = finish(master)
    lone.wait(timeout=30)
    assert code == 2, (out, err[-3000:])
    assert "only 1 of 2 Locust workers connected to the master in time" in err

    port = port_pair()
    master = start_master(tmp_path / "late", port, workers=1, duration="20s")
    first = start_worker(port, tmp_path / "first")
    wait_for_load(tmp_path / "late", timeout_s=60)
    time.sleep(3)
    late = start_worker(port, tmp_path / "second")
    code, out, err = finish(master)
    first.wait(timeout=30)
    late.wait(timeout=30)
    assert code == 0, (out, err[-3000:])
    roster = json.loads((only_run_dir(tmp_path / "late") / C.WORKERS_JSON).read_text())
    assert sorted(e[C.WK_LATE] for e in roster) == [False, True]
    assert all(e[C.WK_REQUESTS] > 0 for e in roster)  # the late one took users
    assert "LATE WORKER: worker " in err or "LATE WORKER: worker " in out
