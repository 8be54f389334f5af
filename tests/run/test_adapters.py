"""Each adapter's requests, made with Locust's real HTTP client, against the reference target
(reference, openai) or a small fake of mem0's REST API that records what it was sent."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import os

from mem0_doubles import Mem0OssServer, Mem0PlatformServer

pytestmark = pytest.mark.integration  # every test runs the probe in a child Python

PROBE = Path(__file__).with_name("adapter_probe.py")


def probe_adapter(target: str, host: str, *args: str, env: dict[str, str] | None = None) -> dict:
    result = subprocess.run([sys.executable, str(PROBE), target, host, *args],
                            capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})})
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def by_name(events: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for event in events:
        grouped.setdefault(event["name"], []).append(event)
    return grouped


def test_reference_adapter_every_operation_succeeds(reference_target):
    result = probe_adapter("reference", reference_target)
    events = by_name(result["events"])
    assert set(events) == {"create_memory", "create_memory_batch", "get_memory", "list_memories", "search",
                           "llm_chat", "embed", "rag_query", "delete_memory"}
    failed = [e for e in result["events"] if e["error"] and e["name"] != "get_memory"]
    assert failed == []
    # the memory is gone after delete: the second get fails with 404
    assert [e["error"] is None for e in events["get_memory"]] == [True, False]
    assert "404" in events["get_memory"][1]["error"]
    assert isinstance(result["returned"]["create_memory"], str)
    assert len(result["returned"]["create_memory_batch"]) == 2
    assert result["returned"]["delete_memory"] is True


def test_streamed_chat_is_timed_to_the_end_of_the_stream(reference_target):
    result = probe_adapter("reference", reference_target)
    chat = by_name(result["events"])["llm_chat"][0]
    llm = chat["llm"]
    assert chat["error"] is None
    assert llm["tokens_source"] == "usage" and llm["output_tokens"] >= 1
    assert 0 < llm["ttft_ms"] <= llm["e2e_ms"]
    assert chat["ms"] == llm["e2e_ms"]  # Locust records the whole stream, not just the headers


def test_openai_adapter_against_an_openai_compatible_server(reference_target):
    result = probe_adapter("openai", reference_target)
    events = by_name(result["events"])
    assert set(events) == {"llm_chat", "embed"}
    assert all(e["error"] is None for e in result["events"])
    assert result["returned"]["llm_chat"]["output_tokens"] >= 1


def test_openai_adapter_reports_an_unknown_model_as_a_failure(reference_target):
    result = probe_adapter("openai", reference_target, "no-such-model")
    chat = by_name(result["events"])["llm_chat"][0]
    assert chat["error"] and "HTTP 4" in chat["error"]


def test_mem0_adapter_with_locusts_client_against_the_oss_server_with_auth_on():
    """The same shapes as tests/run/test_mem0.py, through Locust's FastHttpSession."""
    with Mem0OssServer(admin_key="admin-key-0123456789abc") as fake:
        result = probe_adapter("mem0", fake.url, env={"MEM0_API_KEY": "admin-key-0123456789abc",
                                                      "PROBE_MEM0_API": "oss"})
        sent, headers = fake.requests, fake.sent_headers
    events = by_name(result["events"])
    assert all(e["error"] is None for e in result["events"] if e["name"] != "get_memory")
    assert all(h["x-api-key"] == "admin-key-0123456789abc" and "authorization" not in h for h in headers)
    fact = "I am allergic to peanuts and live in Lisbon."
    assert sent[0][1:] == ("/memories", {}, {"messages": [{"role": "user", "content": fact}],
                                             "user_id": "probe-user", "infer": True})
    search = next(r for r in sent if r[:2] == ("POST", "/search"))
    assert search[3] == {"query": "allergic to peanuts", "filters": {"user_id": "probe-user"}, "top_k": 5}
    assert ("GET", "/memories", {"user_id": "probe-user", "top_k": "10"}, None) in sent
    memory_id = result["returned"]["create_memory"][0]
    assert ("DELETE", f"/memories/{memory_id}", {}, None) in sent
    # found before the delete; after it the server answers 200 null, which is a failure
    assert [e["error"] for e in events["get_memory"]] == [None, "HTTP 200: not found (the service answered null)"]


def test_mem0_adapter_with_locusts_client_against_the_platform():
    with Mem0PlatformServer(api_key="m0-key") as fake:
        result = probe_adapter("mem0", fake.url, env={"MEM0_API_KEY": "m0-key", "PROBE_MEM0_API": "platform"})
        headers = fake.sent_headers
    events = by_name(result["events"])
    assert all(h["authorization"] == "Token m0-key" for h in headers)
    assert result["returned"]["create_memory"] == []  # infer: asynchronous, PENDING, no id yet
    assert all(e["error"] is None for name in ("create_memory", "list_memories", "search") for e in events[name])


def test_open_model_calls_share_one_adapter_and_each_is_timed_from_its_own_scheduled_start(reference_target):
    """Concurrent calls through one adapter, scheduled 0.3, 0.6 and 0.9 s ago: each request's time
    runs from its own scheduled start and its wait before sending is its queue_ms."""
    result = probe_adapter("reference", reference_target, "--open")
    delays_ms = result["returned"]["delays_ms"]
    assert all(e["error"] is None for e in result["events"])
    for name in ("search", "llm_chat"):
        events = sorted(by_name(result["events"])[name], key=lambda e: e["queue_ms"])
        assert len(events) == len(delays_ms)
        for event, delay_ms in zip(events, delays_ms):
            # queue_ms: the delay, the probe's 50 ms sleep, and any wait for a connection
            assert delay_ms + 40 <= event["queue_ms"] < delay_ms + 500, (name, event, delay_ms)
            assert event["ms"] >= event["queue_ms"]
        if name == "llm_chat":  # the LLM figures run from the scheduled start too
            assert all(e["llm"]["ttft_ms"] > e["queue_ms"] and e["ms"] == e["llm"]["e2e_ms"] for e in events)
