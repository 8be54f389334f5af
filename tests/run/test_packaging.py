"""`pip install .` (a wheel) ships the folders of the design under the memload name only, with the
scenario files; `pip install -e .` is what the Makefile uses (every other test runs on it)."""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_maps_folders_under_memload_and_installs(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(tmp_path / "wheel"), str(ROOT)], check=True, capture_output=True)
    wheel = next((tmp_path / "wheel").glob("memload-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for expected in ("memload/analysis/report.py", "memload/locustfiles/scenario.py", "memload/scenarios/smoke.toml",
                     "memload/reference/app.py", "memload/adapters/mem0.py"):
        assert expected in names
    top_level = {name.split("/")[0] for name in names}
    assert top_level == {"memload", f"{wheel.name.split('-')[0]}-{wheel.name.split('-')[1]}.dist-info"}
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    code = ("import memload, memload.analysis.report, memload.scenario.model as s; "
            "print(memload.__file__); print(sorted(s.shipped_scenarios()))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path,
                         env={**os.environ, "PYTHONPATH": str(target)}).stdout.splitlines()
    assert out[0].startswith(str(target))
    assert "smoke" in out[1] and "load" in out[1]
    assert (target / "bin" / "memload").exists()
