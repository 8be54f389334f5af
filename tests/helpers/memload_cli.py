"""Running the memload command in a subprocess, as a user would, and finding the run it made."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_memload(*args: str, timeout: float = 180, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "memload", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def only_run_dir(out: Path) -> Path:
    runs = [p for p in out.iterdir() if p.is_dir()]
    assert len(runs) == 1, runs
    return runs[0]


def start_memload(*args: str, env: dict | None = None) -> subprocess.Popen:
    """``memload ARGS`` in the background, its output in pipes (text)."""
    return subprocess.Popen(
        [sys.executable, "-m", "memload", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def wait_for_load(out: Path, *, timeout_s: float = 60.0, min_bytes: int = 2000) -> Path:
    """The run directory under ``out`` once Locust's history shows requests (a few seconds of load)."""
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        runs = list(out.glob("*/locust_stats_history.csv"))
        if runs and runs[0].stat().st_size > min_bytes:
            return runs[0].parent
        time.sleep(0.3)
    raise AssertionError(f"no load was recorded under {out} within {timeout_s:g} s")


def read_rows(path: Path) -> list[dict[str, str]]:
    import csv

    with open(path, newline="") as file:
        return list(csv.DictReader(file))


def harness_error_line(result: subprocess.CompletedProcess) -> str:
    """The one stderr line of a usage or harness error, asserted: exit code 2, no traceback."""
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def start_reference_target(
    db: Path, *, port: int = 0, log: Path | None = None, flags: tuple[str, ...] = ()
) -> tuple[subprocess.Popen, str]:
    """``memload serve`` on 127.0.0.1:``port`` (0: a free one) with its database at ``db`` and more
    ``flags`` (e.g. a fault); and its URL."""
    log_file = open(log or os.devnull, "ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "memload", "serve", "--host", "127.0.0.1"]
        + ["--port", str(port), "--db", str(db), *flags],
        stdout=subprocess.PIPE,
        stderr=log_file,
        text=True,
    )
    log_file.close()  # the child holds its own descriptor
    url = process.stdout.readline().strip()
    if not url.startswith("http://127.0.0.1:"):
        process.kill()
        process.wait(timeout=10)
        raise AssertionError(f"memload serve did not start: {url!r}")
    return process, url


def descendants(pid: int, *, cmdline_contains: str = "") -> list:
    """The living descendants of ``pid`` (psutil.Process) whose command line contains the text."""
    import psutil

    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    found = []
    for child in children:
        try:
            if cmdline_contains in " ".join(child.cmdline()) and child.status() != psutil.STATUS_ZOMBIE:
                found.append(child)
        except psutil.Error:
            continue
    return found


def wait_gone(processes: list, *, timeout_s: float = 15.0) -> list:
    """Those of ``processes`` (psutil.Process) still alive after ``timeout_s``."""
    import psutil

    _, alive = psutil.wait_procs(processes, timeout=timeout_s)
    return [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


def kill_all(processes: list) -> None:
    """SIGKILL each of ``processes`` (psutil.Process) still alive: a test's clean-up, by pid."""
    import psutil

    for process in processes:
        try:
            process.kill()
        except psutil.Error:
            pass


def files_containing(root: Path, text: str) -> list[Path]:
    """Every file under ``root`` whose bytes contain ``text``."""
    needle = text.encode()
    return [p for p in sorted(root.rglob("*")) if p.is_file() and needle in p.read_bytes()]


def aggregated_stats(run_dir: Path) -> dict[str, str]:
    """The ``Aggregated`` row of Locust's locust_stats.csv."""
    return next(r for r in read_rows(run_dir / "locust_stats.csv") if r["Name"] == "Aggregated")
