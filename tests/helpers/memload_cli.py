"""Running the memload command in a subprocess, as a user would, and finding the run it made."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_memload(*args: str, timeout: float = 180, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "memload", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


def only_run_dir(out: Path) -> Path:
    runs = [p for p in out.iterdir() if p.is_dir()]
    assert len(runs) == 1, runs
    return runs[0]
