"""Fixtures for `memload run` tests: a real reference target on a free loopback port, and helpers
to run the memload CLI in a subprocess."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from memload_cli import only_run_dir, run_memload  # noqa: F401  (re-exported for the tests here)

HERE = Path(__file__).parent


@pytest.fixture(scope="session")
def reference_target(tmp_path_factory):
    """`memload serve` in a subprocess; yields its URL."""
    db = tmp_path_factory.mktemp("target") / "memories.db"
    process = subprocess.Popen([sys.executable, "-m", "memload", "serve", "--port", "0", "--db", str(db)],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    url = process.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:"), url
    yield url
    process.terminate()
    process.wait(timeout=10)


def probe_adapter(target: str, host: str, model: str = "fast") -> dict:
    result = subprocess.run([sys.executable, str(HERE / "adapter_probe.py"), target, host, model],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])
