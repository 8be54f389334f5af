"""The proofs of issue 5 against the real reference target, through real `memload run`
subprocesses. They share their code with benchmarks/bench_truth.py (which prints the figures,
longer and repeated): these runs are shorter, and their margins hold on a busy 2-core machine.
Timing-fragile or long proofs are marked slow (run them with -m slow)."""
from __future__ import annotations

from pathlib import Path

import pytest



@pytest.fixture
def work(tmp_path: Path) -> Path:
    return tmp_path
