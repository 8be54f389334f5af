"""README's "Adding an adapter" example, for real: docs/examples/my_service.toml through `memload run`
against a fake of the notes service it was written for, on loopback."""
from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import pytest

from fakes import FakeNotes

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"
OPERATIONS = {"create_memory", "get_memory", "list_memories", "delete_memory", "search"}


def readme_section(title: str) -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index(f"### {title}\n")
    return text[start : text.index("\n## ", start)]


def test_readme_shows_the_example_files_as_they_are():
    section = readme_section("Adding an adapter")
    blocks = re.findall(r"```(?:python|toml)\n(.*?)```", section, flags=re.S)
    assert (EXAMPLES / "my_adapter.py").read_text() in blocks
    assert 'target = "my_adapter.py:MyAdapter"' in (EXAMPLES / "my_service.toml").read_text()


@pytest.mark.integration
def test_the_example_adapter_runs_against_a_service_with_its_api(tmp_path):
    with FakeNotes() as fake:
        result = subprocess.run(
            [sys.executable, "-m", "memload", "run", "docs/examples/my_service.toml", "--host", fake.url,
             "--duration", "5s", "--out", str(tmp_path), "--no-report", "--quiet"],
            cwd=ROOT, capture_output=True, text=True, timeout=120)
        # the preflight's requests (memload.adapters.preflight) are in no statistic: leave them out
        sent = [r for r in fake.requests if "memload-preflight" not in (r[2].get("owner"), (r[3] or {}).get("owner"))]
    assert result.returncode in (0, 1), result.stderr[-3000:]  # 1: a threshold failed on a busy machine
    routes = {(method, re.sub(r"/notes/[0-9a-f-]{36}$", "/notes/{id}", path)) for method, path, _, _ in sent}
    assert {("POST", "/notes"), ("POST", "/notes/search"), ("GET", "/notes"), ("GET", "/notes/{id}"),
            ("DELETE", "/notes/{id}")} <= routes
    owners = {body["owner"] for method, path, _, body in sent if method == "POST" and path == "/notes"}
    assert len(owners) > 1 and all(owner.startswith("memload-s1-") for owner in owners)
    (run_dir,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    with open(run_dir / "locust_stats.csv", newline="") as file:
        stats = {row["Name"]: row for row in csv.DictReader(file)}
    assert OPERATIONS <= set(stats)
    assert all(int(stats[name]["Request Count"]) > 0 for name in OPERATIONS)
    assert int(stats["Aggregated"]["Failure Count"]) == 0
    api_requests = sum(1 for _, path, _, _ in sent if path.startswith("/notes"))
    users = 20  # a request in flight when the run stopped reached the service but is in no statistic
    assert api_requests - users <= int(stats["Aggregated"]["Request Count"]) <= api_requests
