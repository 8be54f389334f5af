"""memload against mem0's own OSS server, run offline (tests/helpers/mem0_server.py: mem0's
server/ at mem0ai/mem0 07e58c54ae25, mem0ai 2.2.1, a local Qdrant, memload's reference service as
its LLM and embedder). Needs the ``mem0-server`` extra (`make install-mem0`); skipped without it.

The same sequence as the double's (tests/helpers/mem0_doubles.py) must come to the same outcomes:
that is what makes the double a fair stand-in where mem0's server is not installed."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from mem0_doubles import OSS_SEQUENCE_OUTCOMES, oss_sequence
from mem0_server import ADMIN_KEY, mem0_installed, running_mem0_server
from memload.adapters.base import AdapterOptions
from memload.adapters.mem0 import Mem0Adapter
from memload.adapters.preflight import PreflightClient
from memload.scenario.targets import Mem0Options
from memload_cli import only_run_dir, run_memload

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.skipif(not mem0_installed(), reason="the mem0-server extra is not installed (make install-mem0)"),
]


@pytest.fixture(scope="module")
def mem0_server(tmp_path_factory, reference_target):
    with running_mem0_server(tmp_path_factory.mktemp("mem0"), reference_target) as url:
        yield url


def test_every_operation_comes_to_what_the_double_says(mem0_server, monkeypatch):
    monkeypatch.setenv("MEM0_API_KEY", ADMIN_KEY)
    client = PreflightClient(mem0_server, timeout_s=30)
    adapter = Mem0Adapter(client, options=AdapterOptions(top_k=3, mem0=Mem0Options(infer=False)))
    assert len(oss_sequence(adapter, user="real-u1")) == 1
    assert Counter((o.name, o.status, o.failure is not None) for o in client.observed) == Counter(OSS_SEQUENCE_OUTCOMES)
    failures = [o.failure for o in client.observed if o.failure]
    assert failures[0] == "HTTP 200: not found (the service answered null)"
    assert failures[1].startswith("HTTP 404 (expected 200): ") and "not found" in failures[1]


@pytest.mark.parametrize(("headers", "message"), [
    ({}, "Authentication required. Provide a Bearer token or X-API-Key header."),
    ({"Authorization": f"Bearer {ADMIN_KEY}"}, "Invalid or expired token."),  # what memload sent before
])
def test_mem0s_refusals(mem0_server, monkeypatch, headers, message):
    monkeypatch.delenv("MEM0_API_KEY", raising=False)
    client = PreflightClient(mem0_server, timeout_s=30)
    client.session.headers.update(headers)
    Mem0Adapter(client, options=AdapterOptions()).search("u1", "tea")
    assert client.observed[0].fatal() == f"preflight: search: HTTP 401: {message}"


def scenario(tmp_path, infer: bool):
    path = tmp_path / "mem0-real.toml"
    path.write_text('name = "mem0-real"\ntarget = "mem0"\n[load]\nusers = 2\nspawn_rate = 2\nduration = "8s"\n'
                    '[pacing]\nwait = "constant"\nseconds = 0.1\n[mix]\ncreate_memory = 3\nget_memory = 2\n'
                    f'list_memories = 1\nsearch = 2\ndelete_memory = 1\n[mem0]\ninfer = {str(infer).lower()}\n')
    return path


def test_a_run_stores_reads_searches_and_deletes(mem0_server, tmp_path):
    result = run_memload("run", str(scenario(tmp_path, infer=False)), "--host", mem0_server,
                         "--out", str(tmp_path / "out"), env={"MEM0_API_KEY": ADMIN_KEY})
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads((only_run_dir(tmp_path / "out") / "report" / "summary.json").read_text())["figures"]
    ops = ("create_memory", "get_memory", "list_memories", "search", "delete_memory")
    assert all(figures[f"{op}.requests"] > 0 and figures[f"{op}.failures"] == 0 for op in ops), figures
    assert "MIX NOT RUN AS SAID" not in result.stderr


def test_with_infer_the_reference_llm_extracts_nothing_and_the_run_says_what_ran(mem0_server, tmp_path):
    """mem0 asks its LLM for facts; memload's reference LLM answers no facts, so every add returns
    no id (200, results []): gets and deletes turn into adds, which the run reports."""
    result = run_memload("run", str(scenario(tmp_path, infer=True)), "--host", mem0_server,
                         "--out", str(tmp_path / "out"), env={"MEM0_API_KEY": ADMIN_KEY})
    assert result.returncode == 0, result.stderr[-3000:]
    assert "warning: preflight: create_memory returned no memory id" in result.stdout + result.stderr
    assert "MIX NOT RUN AS SAID: get_memory, delete_memory ran far less than its share" in result.stderr
