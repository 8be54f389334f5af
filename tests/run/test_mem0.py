"""The mem0 adapter against doubles of mem0's two APIs (tests/helpers/mem0_doubles.py, each following
mem0's source at the commit it names): auth as each API does it, the routes and bodies, and what
fails, by class. The adapter is driven through the preflight's client (memload.adapters.preflight),
which records every request as Locust would count it; no process is started."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from mem0_doubles import MEM0_COMMIT, OSS_SEQUENCE_OUTCOMES, Mem0OssServer, Mem0PlatformServer, oss_sequence
from memload.adapters.base import AdapterOptions
from memload.adapters.mem0 import Mem0Adapter
from memload.adapters.preflight import PreflightClient, run_preflight
from memload.scenario import ScenarioError, load_scenario
from memload.scenario.targets import Mem0Options

USER = "u1"
TWO_FACTS = "I am allergic to peanuts. I live in Lisbon with my cat."


def adapter_for(url: str, monkeypatch, *, key: str | None, **mem0: object) -> tuple[Mem0Adapter, PreflightClient]:
    if key is None:
        monkeypatch.delenv("MEM0_API_KEY", raising=False)
    else:
        monkeypatch.setenv("MEM0_API_KEY", key)
    client = PreflightClient(url, timeout_s=5)
    options = AdapterOptions(top_k=3, mem0=Mem0Options(**mem0))  # type: ignore[arg-type]
    return Mem0Adapter(client, options=options), client


def outcomes(client: PreflightClient) -> Counter:
    """Requests by (operation, status, failed or not)."""
    return Counter((o.name, o.status, o.failure is not None) for o in client.observed)


def test_the_doubles_name_the_mem0_source_they_follow():
    assert MEM0_COMMIT in (Path(__file__).parents[1] / "helpers" / "mem0_doubles.py").read_text()


def test_oss_with_auth_on_every_operation_and_the_failures_by_class(monkeypatch):
    with Mem0OssServer(admin_key="admin-key-0123456789abc") as server:
        adapter, client = adapter_for(server.url, monkeypatch, key="admin-key-0123456789abc", api="oss")
        ids = adapter.create_memory(USER, TWO_FACTS)
        assert len(ids) == 2 and len(server.memories) == 2  # infer: one memory per fact, every id kept
        assert adapter.create_memory(USER, "ok") == []  # nothing to extract: no id, not a failure
        adapter.get_memory(USER, ids[0])
        adapter.list_memories(USER, 7)
        adapter.search(USER, "peanuts")
        assert adapter.delete_memory(USER, ids[0]) is True
        adapter.get_memory(USER, ids[0])  # 200 null: a failure, "not found"
        assert adapter.delete_memory(USER, ids[0]) is False  # 404
        sent = server.requests
        headers = server.sent_headers
    assert outcomes(client) == Counter({
        ("create_memory", 200, False): 2, ("get_memory", 200, False): 1, ("list_memories", 200, False): 1,
        ("search", 200, False): 1, ("delete_memory", 200, False): 1,
        ("get_memory", 200, True): 1, ("delete_memory", 404, True): 1,
    })
    failures = [o.failure for o in client.observed if o.failure]
    assert failures[0] == "HTTP 200: not found (the service answered null)"
    assert failures[1].startswith("HTTP 404 (expected 200)") and "not found" in failures[1]
    assert all(h.get("x-api-key") == "admin-key-0123456789abc" and "authorization" not in h for h in headers)
    create = sent[0][3]
    assert create == {"messages": [{"role": "user", "content": TWO_FACTS}], "user_id": USER, "infer": True}
    assert ("GET", "/memories", {"user_id": USER, "top_k": "7"}, None) in sent
    search = next(r for r in sent if r[1] == "/search")[3]
    assert search == {"query": "peanuts", "filters": {"user_id": USER}, "top_k": 3}  # not the deprecated field
    assert server.deprecated_top_level == 0


def test_oss_infer_false_stores_the_text_as_it_is(monkeypatch):
    with Mem0OssServer(admin_key="k" * 20) as server:
        adapter, _client = adapter_for(server.url, monkeypatch, key="k" * 20, api="oss", infer=False)
        ids = adapter.create_memory(USER, TWO_FACTS)
        assert [m["memory"] for m in server.memories.values()] == [TWO_FACTS] and len(ids) == 1
        assert server.requests[0][3]["infer"] is False


@pytest.mark.parametrize(("key", "headers", "message"), [
    (None, {}, "Authentication required. Provide a Bearer token or X-API-Key header."),
    ("wrong-key", {}, "Invalid API key."),
    (None, {"Authorization": "Bearer admin-key-0123456789abc"}, "Invalid or expired token."),  # the old way
])
def test_oss_refusals_end_the_preflight_in_one_line(monkeypatch, tmp_path, key, headers, message):
    scenario = mem0_scenario(tmp_path, 'api = "oss"')
    with Mem0OssServer(admin_key="admin-key-0123456789abc") as server:
        if key is None:
            monkeypatch.delenv("MEM0_API_KEY", raising=False)
        else:
            monkeypatch.setenv("MEM0_API_KEY", key)
        client = PreflightClient(server.url, timeout_s=5)
        client.session.headers.update(headers)
        adapter = Mem0Adapter(client, options=AdapterOptions(mem0=scenario.mem0))
        adapter.create_memory(USER, TWO_FACTS)
        assert client.observed[0].fatal() == f"preflight: create_memory: HTTP 401: {message}"
        result = run_preflight(scenario, server.url) if not headers else None
    if result is not None:
        hint = " (MEM0_API_KEY is not set)" if key is None else ""
        assert result.fatal == f"preflight: create_memory: HTTP 401: {message}{hint}"


def test_platform_routes_auth_and_the_synchronous_add(monkeypatch):
    with Mem0PlatformServer(api_key="m0-key") as server:
        adapter, client = adapter_for(server.url, monkeypatch, key="m0-key", api="platform", infer=False)
        ids = adapter.create_memory(USER, TWO_FACTS)
        adapter.get_memory(USER, ids[0])
        adapter.list_memories(USER, 5)
        adapter.search(USER, "peanuts")
        adapter.delete_memory(USER, ids[0])
        adapter.get_memory(USER, ids[0])  # 404 on the platform
        sent = [(m, p) for m, p, _q, _b in server.requests]
        bodies = server.requests
        headers = server.sent_headers
    assert len(ids) == 1
    assert sent == [("POST", "/v3/memories/add/"), ("GET", f"/v1/memories/{ids[0]}/"), ("POST", "/v3/memories/"),
                    ("POST", "/v3/memories/search/"), ("DELETE", f"/v1/memories/{ids[0]}/"),
                    ("GET", f"/v1/memories/{ids[0]}/")]
    assert bodies[2][2] == {"page": "1", "page_size": "5"} and bodies[2][3] == {"filters": {"user_id": USER}}
    assert bodies[3][3] == {"query": "peanuts", "filters": {"user_id": USER}, "top_k": 3}
    assert all(h["authorization"] == "Token m0-key" and "x-api-key" not in h for h in headers)
    assert outcomes(client) == Counter({
        ("create_memory", 200, False): 1, ("get_memory", 200, False): 1, ("list_memories", 200, False): 1,
        ("search", 200, False): 1, ("delete_memory", 200, False): 1, ("get_memory", 404, True): 1,
    })


def test_platform_asynchronous_add_is_accepted_and_optionally_polled(monkeypatch):
    with Mem0PlatformServer(api_key="m0-key", event_delay_s=0.15) as server:
        adapter, client = adapter_for(server.url, monkeypatch, key="m0-key", api="platform")
        assert adapter.create_memory(USER, TWO_FACTS) == []  # PENDING: accepted, no id yet
        assert [o.name for o in client.observed] == ["create_memory"]
        polling, polled = adapter_for(server.url, monkeypatch, key="m0-key", api="platform", poll=True,
                                      poll_interval_s=0.05, poll_timeout_s=5.0)
        ids = polling.create_memory(USER, TWO_FACTS)
    assert len(ids) == 2 and set(ids) <= set(server.memories)
    names = Counter(o.name for o in polled.observed)
    assert names["create_memory"] == 1 and names["create_memory_completed"] == 1
    assert names["create_memory_poll"] >= 2  # PENDING at least once, then SUCCEEDED
    assert all(o.failure is None for o in polled.observed)


def test_platform_poll_gives_up_at_its_timeout(monkeypatch):
    with Mem0PlatformServer(api_key="m0-key", event_delay_s=60) as server:
        adapter, client = adapter_for(server.url, monkeypatch, key="m0-key", api="platform", poll=True,
                                      poll_interval_s=0.05, poll_timeout_s=0.2)
        assert adapter.create_memory(USER, TWO_FACTS) == []
    completed = [o for o in client.observed if o.name == "create_memory_completed"]
    assert len(completed) == 1 and "still PENDING after 0.2 s" in (completed[0].failure or "")


def mem0_scenario(tmp_path: Path, table: str, mix: str = "create_memory = 1\nsearch = 1"):
    path = tmp_path / "m.toml"
    path.write_text(f'target = "mem0"\n[load]\nusers = 1\nspawn_rate = 1\nduration = "5s"\n[mix]\n{mix}\n'
                    f"[mem0]\n{table}\n")
    return load_scenario(str(path))


def test_the_mem0_table(tmp_path):
    options = mem0_scenario(tmp_path, 'api = "platform"\ninfer = false\npoll = true\npoll_interval = "1s"').mem0
    assert (options.api, options.infer, options.poll, options.poll_interval_s) == ("platform", False, True, 1.0)
    assert mem0_scenario(tmp_path, "").mem0 == Mem0Options()  # mem0's defaults: OSS, infer


@pytest.mark.parametrize(("table", "message"), [
    ('api = "cloud"', "mem0.api: unknown value 'cloud'; allowed: oss, platform"),
    ("token = 1", "mem0.token: unknown key; allowed: api, key_env, infer, poll, poll_interval, poll_timeout"),
    ("infer = 1", "mem0.infer: must be true or false"),
    ("poll = true", 'mem0.poll: only the platform\'s add is asynchronous: poll needs api = "platform"'),
    ('key_env = "MY KEY"', "mem0.key_env: must name an environment variable"),
    ('api = "platform"\npoll_interval = "2s"\npoll_timeout = "1s"', "mem0.poll_timeout: needs 0 < poll_interval"),
])
def test_mem0_table_mistakes_are_named(tmp_path, table, message):
    with pytest.raises(ScenarioError) as error:
        mem0_scenario(tmp_path, table)
    assert message in str(error.value)


def test_oss_sequence_outcomes_on_the_double(monkeypatch):
    """The sequence tests/run/test_mem0_server.py runs against mem0's own server, on the double."""
    with Mem0OssServer(admin_key="admin-key-0123456789abc") as server:
        adapter, client = adapter_for(server.url, monkeypatch, key="admin-key-0123456789abc", api="oss", infer=False)
        assert len(oss_sequence(adapter)) == 1
    assert outcomes(client) == Counter(OSS_SEQUENCE_OUTCOMES)
