"""Preflight (memload.adapters.preflight): one request of each operation of the mix before the load.
What ends the run (401/403/404, an answer that is not JSON), what is only a warning (a 5xx, a create
that returns no id), against doubles on loopback threads; the `memload run` side is in
test_preflight_run.py."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from fakes import FakeService
from mem0_doubles import Mem0OssServer, Mem0PlatformServer
from memload.adapters.preflight import run_preflight
from memload.scenario import load_scenario

MIX = "create_memory = 4\nget_memory = 2\nlist_memories = 1\nsearch = 3\ndelete_memory = 1"


def scenario(tmp_path: Path, *, target: str = "mem0", table: str = "", mix: str = MIX):
    path = tmp_path / "p.toml"
    path.write_text(f'target = "{target}"\n[load]\nusers = 1\nspawn_rate = 1\nduration = "5s"\n'
                    f"[mix]\n{mix}\n" + (f"[mem0]\n{table}\n" if table else ""))
    return load_scenario(str(path))


def test_a_service_that_answers_runs_each_operation_once_in_an_order_that_works(tmp_path, monkeypatch):
    monkeypatch.setenv("MEM0_API_KEY", "admin-key-0123456789abc")
    with Mem0OssServer(admin_key="admin-key-0123456789abc") as server:
        result = run_preflight(scenario(tmp_path), server.url)
        left = dict(server.memories)
    assert result.fatal is None and result.warnings == []
    assert [o.name for o in result.observed] == ["create_memory", "get_memory", "list_memories", "search",
                                                 "delete_memory"]
    assert left == {}  # the memory it stored is the one it deleted


def test_a_create_that_returns_no_id_is_a_warning(tmp_path, monkeypatch):
    monkeypatch.setenv("MEM0_API_KEY", "m0-key")
    with Mem0PlatformServer(api_key="m0-key") as server:  # infer: asynchronous, no id
        result = run_preflight(scenario(tmp_path, table='api = "platform"'), server.url)
    assert result.fatal is None
    assert result.warnings == ["preflight: create_memory returned no memory id: get_memory and delete_memory "
                               "will store a memory instead until one does (the report counts what ran)"]
    assert Counter(o.name for o in result.observed) == Counter({"create_memory": 1, "list_memories": 1, "search": 1})


def test_a_wrong_key_on_the_platform_ends_the_run_naming_operation_status_and_message(tmp_path, monkeypatch):
    monkeypatch.setenv("MEM0_API_KEY", "not-the-key")
    with Mem0PlatformServer(api_key="m0-key") as server:
        result = run_preflight(scenario(tmp_path, table='api = "platform"', mix="search = 1"), server.url)
    assert result.fatal == ("preflight: search: HTTP 401: Invalid API key. You can find your API key on "
                            "https://app.mem0.ai/dashboard/api-keys.")


class Answers(FakeService):
    """Every request answered the same: (status, body, content type)."""

    def __init__(self, status: int, body: str, content_type: str) -> None:
        super().__init__()
        self.answer = status, body, content_type

    def route(self, method, path, query, body):
        status, text, content_type = self.answer
        return status, RawBody(text), {"Content-Type": content_type}


class RawBody(str):
    """A body sent as it is (the fakes send JSON otherwise)."""


@pytest.fixture(autouse=True)
def raw_bodies(monkeypatch):
    import json as json_module

    import fakes

    original = json_module.dumps
    monkeypatch.setattr(fakes.json, "dumps", lambda value, *a, **k: value if isinstance(value, RawBody)
                        else original(value, *a, **k))


@pytest.mark.parametrize(("status", "body", "content_type", "fatal"), [
    (200, "<html><body>Sign in</body></html>", "text/html; charset=utf-8",
     "preflight: search: HTTP 200 with text/html, not JSON: <html><body>Sign in</body></html>"),
    (403, '{"error": {"message": "forbidden for this project"}}', "application/json",
     "preflight: search: HTTP 403: forbidden for this project (MEM0_API_KEY is not set)"),
    (404, '{"detail": "Not Found"}', "application/json", "preflight: search: HTTP 404: Not Found"),
    (200, "null", "application/json", None),  # a search answered null is not refused here
])
def test_what_ends_the_run(tmp_path, monkeypatch, status, body, content_type, fatal):
    monkeypatch.delenv("MEM0_API_KEY", raising=False)
    with Answers(status, body, content_type) as server:
        result = run_preflight(scenario(tmp_path, mix="search = 1"), server.url)
    assert result.fatal == fatal


def test_a_server_error_is_a_warning_not_the_end(tmp_path, monkeypatch):
    monkeypatch.delenv("MEM0_API_KEY", raising=False)
    with Answers(503, '{"detail": "overloaded"}', "application/json") as server:
        result = run_preflight(scenario(tmp_path, mix="search = 1"), server.url)
    assert result.fatal is None
    assert result.warnings == ['preflight: search: HTTP 503 (expected 200): {"detail": "overloaded"}']


def test_a_service_that_is_not_there_is_a_warning(tmp_path):
    result = run_preflight(scenario(tmp_path, target="reference", mix="search = 1"), "http://127.0.0.1:9")
    assert result.fatal is None and len(result.warnings) == 1
    assert result.warnings[0].startswith("preflight: search: no response: ")
