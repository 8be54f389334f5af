"""analysis never imports locust or gevent (nor pyplot): checked in a fresh interpreter, after
importing every module of memload.analysis and writing a report."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analysis_testkit import GOLDEN_DIR, GOLDEN_FILES

PROBE = """
import importlib, json, pkgutil, sys
from pathlib import Path
import memload.analysis
from memload.analysis.report import write_report
for module in pkgutil.iter_modules(memload.analysis.__path__):
    importlib.import_module(f"memload.analysis.{module.name}")
write_report(Path(sys.argv[1]))
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("locust", "gevent")
                        or m == "matplotlib.pyplot")))
"""


pytestmark = pytest.mark.integration  # each test imports in a child Python


def test_analysis_imports_neither_locust_nor_gevent(tmp_path: Path) -> None:
    for name in GOLDEN_FILES:
        shutil.copy(GOLDEN_DIR / name, tmp_path / name)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


FIGURES_PROBE = """
import importlib, json, pkgutil, sys
import memload.analysis.figures, memload.analysis.read
for package in (memload.analysis.figures, memload.analysis.read):
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] == "matplotlib")))
"""


def test_figures_and_reading_import_no_matplotlib() -> None:
    """Figures are computed without matplotlib: the plots (memload.analysis.plots) draw them."""
    done = subprocess.run([sys.executable, "-c", FIGURES_PROBE], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
