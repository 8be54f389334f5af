"""`memload run` against the doubles of mem0's APIs (tests/helpers/mem0_doubles.py, following
mem0ai/mem0 at the commit they name): the preflight ends a refused run in one line; a whole run
measures what the mix says, or says that it did not; a server that puts request ids in its errors
keeps a small failures table. The doubles serve from this process's threads; memload runs in a
child process, as a user would run it."""

from __future__ import annotations

import csv
import json
import uuid
from pathlib import Path

import pytest

from fakes import FakeService
from mem0_doubles import Mem0OssServer, Mem0PlatformServer
from memload_cli import harness_error_line, only_run_dir, run_memload

pytestmark = pytest.mark.integration
ADMIN_KEY = "admin-key-0123456789abc"
MIX = "create_memory = 3\nget_memory = 2\nlist_memories = 1\nsearch = 2\ndelete_memory = 1"


def mem0_scenario(tmp_path: Path, table: str, *, mix: str = MIX, duration: str = "6s") -> Path:
    path = tmp_path / "mem0.toml"
    path.write_text(f'name = "mem0-proof"\ntarget = "mem0"\n[load]\nusers = 2\nspawn_rate = 2\n'
                    f'duration = "{duration}"\n[pacing]\nwait = "constant"\nseconds = 0.05\n[mix]\n{mix}\n'
                    f"[mem0]\n{table}\n")
    return path


def summary_of(run_dir: Path) -> dict:
    return json.loads((run_dir / "report" / "summary.json").read_text())


def test_a_refused_key_ends_the_run_before_the_load_in_one_line(tmp_path):
    with Mem0OssServer(admin_key=ADMIN_KEY) as server:
        result = run_memload("run", str(mem0_scenario(tmp_path, 'api = "oss"')), "--host", server.url,
                             "--out", str(tmp_path / "out"), env={"MEM0_API_KEY": "not-the-key"})
        sent = [r[:2] for r in server.requests if r[1] != "/"]  # "/": memload's check that the host answers
    line = harness_error_line(result)
    assert line == ("Error: preflight: create_memory: HTTP 401: Invalid API key. (nothing was load-tested; "
                    "--no-preflight skips this check)")
    assert sent == [("POST", "/memories")]  # one request, then nothing
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.slow
def test_a_run_against_mem0_oss_with_auth_on_measures_every_operation_of_the_mix(tmp_path):
    with Mem0OssServer(admin_key=ADMIN_KEY) as server:
        result = run_memload("run", str(mem0_scenario(tmp_path, 'api = "oss"\ninfer = false')), "--host",
                             server.url, "--out", str(tmp_path / "out"), env={"MEM0_API_KEY": ADMIN_KEY})
        bearer = [h for h in server.sent_headers if "authorization" in h]
    assert result.returncode == 0, result.stderr[-3000:]
    figures = summary_of(only_run_dir(tmp_path / "out"))["figures"]
    counts = {op: figures[f"{op}.requests"] for op in ("create_memory", "get_memory", "list_memories", "search",
                                                       "delete_memory")}
    total = sum(counts.values())
    for op, weight in (("create_memory", 3), ("get_memory", 2), ("search", 2), ("delete_memory", 1)):
        assert counts[op] >= 0.5 * total * weight / 9, counts  # each ran about its share
    assert all(figures[f"{op}.failures"] == 0 for op in counts), figures
    assert "MIX NOT RUN AS SAID" not in result.stderr and bearer == []


@pytest.mark.slow
def test_a_platform_add_that_returns_no_id_turns_gets_into_creates_and_the_run_says_so(tmp_path):
    with Mem0PlatformServer(api_key="m0-key", event_delay_s=30) as server:
        result = run_memload("run", str(mem0_scenario(tmp_path, 'api = "platform"')), "--host", server.url,
                             "--out", str(tmp_path / "out"), env={"MEM0_API_KEY": "m0-key"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert "warning: preflight: create_memory returned no memory id" in result.stdout + result.stderr
    notice = next(line for line in result.stderr.splitlines() if line.startswith("MIX NOT RUN AS SAID: "))
    assert notice.startswith("MIX NOT RUN AS SAID: get_memory, delete_memory ran far less than its share")
    assert "get_memory 0 (0.0%, share 22.2%)" in notice and "delete_memory 0 (0.0%, share 11.1%)" in notice
    run_dir = only_run_dir(tmp_path / "out")
    assert notice in summary_of(run_dir)["notices"]
    assert "MIX NOT RUN AS SAID" in (run_dir / "report" / "report.html").read_text()


class RequestIdErrors(FakeService):
    """Every search fails with a new request id in its body, as mem0's OSS server's 502s do."""

    def route(self, method, path, query, body):
        if path == "/search":
            rid = uuid.uuid4().hex[:8]
            return 502, {"detail": "Upstream provider error.", "code": "unknown", "request_id": rid}
        return 200, {"results": []}


@pytest.mark.slow
def test_request_ids_in_errors_keep_one_failure_row_and_its_first_full_message(tmp_path):
    with RequestIdErrors() as server:
        result = run_memload("run", str(mem0_scenario(tmp_path, "", mix="search = 1\nlist_memories = 1")),
                             "--host", server.url, "--out", str(tmp_path / "out"), "--no-preflight")
        searches = sum(1 for r in server.requests if r[1] == "/search")
    assert result.returncode == 0, result.stderr[-3000:]
    run_dir = only_run_dir(tmp_path / "out")
    with open(run_dir / "locust_failures.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    assert searches > 50
    assert [(r["Name"], int(r["Occurrences"])) for r in rows] == [("search", searches)]
    assert '"request_id": "<id>"' in rows[0]["Error"]
    with open(run_dir / "failure_examples.csv", newline="") as file:
        examples = list(csv.DictReader(file))
    assert len(examples) == 1 and examples[0]["Error"] == rows[0]["Error"]
    assert '"request_id": "' in examples[0]["Example"] and "<id>" not in examples[0]["Example"]
    assert "first full message" in (run_dir / "report" / "report.html").read_text()
