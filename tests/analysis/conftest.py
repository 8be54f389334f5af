"""Fixtures for the analysis tests: a copy of the golden Locust 2.47.0 run, and run.json edits."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest


from analysis_testkit import GOLDEN_DIR, GOLDEN_FILES  # noqa: E402


@pytest.fixture
def golden_run(tmp_path: Path) -> Path:
    """A copy of the golden run (Locust 2.47.0 CSVs + run.json) that tests may change."""
    run_dir = tmp_path / "golden"
    run_dir.mkdir()
    for name in GOLDEN_FILES:
        shutil.copy(GOLDEN_DIR / name, run_dir / name)
    return run_dir


@pytest.fixture
def set_meta():
    """Change keys of a run's run.json: set_meta(run_dir, warmup_s=0)."""
    def update(run_dir: Path, **fields: Any) -> None:
        path = run_dir / "run.json"
        meta = json.loads(path.read_text())
        meta.update(fields)
        path.write_text(json.dumps(meta))
    return update
