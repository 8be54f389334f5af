"""docs/examples/http_service.toml through `memload run`: the declarative adapter alone runs every
memory operation of its mix against an API of that shape (tests/helpers/notes_v2.py) with no
failure, get and delete on ids the creates returned, and the key stays out of the results; its
[checks] read the answers at the item_* paths (self-retrieval hits at k, no isolation violation, writes
seen by get and search, an audit with nothing lost)."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

from memload_cli import harness_error_line, only_run_dir, run_memload
from notes_v2 import NotesV2

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "http_service.toml"
KEY = "notes-key-for-runs"
OPERATIONS = {
    "create_memory",
    "create_memory_batch",
    "get_memory",
    "list_memories",
    "delete_memory",
    "search",
    "rag_query",
}


@pytest.mark.integration
def test_the_example_runs_every_memory_operation_without_a_failure(tmp_path):
    with NotesV2(KEY) as server:
        result = run_memload(
            "run",
            str(EXAMPLE),
            "--host",
            server.url,
            "--duration",
            "3s",
            "--out",
            str(tmp_path),
            "--no-report",
            "--quiet",
            env={"NOTES_KEY": KEY},
        )
        sent = list(server.requests)
    assert result.returncode == 0, result.stderr[-3000:]
    run_dir = only_run_dir(tmp_path)
    with open(run_dir / "locust_stats.csv", newline="") as file:
        stats = {row["Name"]: row for row in csv.DictReader(file)}
    assert OPERATIONS <= set(stats) and all(int(stats[op]["Request Count"]) > 0 for op in OPERATIONS)
    assert int(stats["Aggregated"]["Failure Count"]) == 0
    created = {p.rsplit("/", 1)[-1] for m, p, _, _ in sent if m == "DELETE"}
    assert created and all(len(memory_id) == 36 for memory_id in created)  # ids from data.memory.uuid
    counts: Counter[str] = Counter()
    with open(run_dir / "checks_counts.csv", newline="") as file:
        for row in csv.DictReader(file):
            counts[row["name"].split(":")[0]] += int(row["value"])
    # notes-v2 ranks word overlap in creation order: hits, but not all at rank 1 (ids read from uuid)
    assert counts["search_checked"] > 0 and counts["search_hit_k"] > 0, counts
    assert counts["isolation_checked"] > 0 and counts["isolation_violations"] == 0, counts
    assert counts["rw_visible"] > 0 and counts["rw_never_visible"] == 0, counts
    audit = json.loads((run_dir / "checks_audit.json").read_text())
    assert audit["audited"] > 0 and audit["lost_writes"] == 0 and audit["resurrected_deletes"] == 0, audit
    assert not any(KEY in path.read_text(errors="replace") for path in run_dir.rglob("*") if path.is_file())


def test_an_unset_header_variable_is_a_one_line_error(tmp_path, monkeypatch):
    monkeypatch.delenv("NOTES_KEY", raising=False)
    result = run_memload("run", str(EXAMPLE), "--host", "http://127.0.0.1:9", "--out", str(tmp_path))
    line = harness_error_line(result)
    assert "http.headers.X-Notes-Key: environment variable NOTES_KEY is not set" in line
