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
