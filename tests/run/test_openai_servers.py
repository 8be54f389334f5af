"""The ``openai`` adapter, with Locust's real HTTP client, against servers that behave as real
OpenAI-compatible ones do (tests/helpers/fake_openai.py: each named after the server it imitates and
the source version it follows). Each test checks the figures (TTFT, tokens, failures by class),
not only that nothing failed. The base URL is given as the OpenAI SDK writes it, ending in /v1."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fake_openai import FIRST_S, GAP_S, THOUGHTS, WORDS, FakeOpenAIServers

pytestmark = pytest.mark.integration  # a child Python runs Locust's client

PROBE = Path(__file__).with_name("openai_probe.py")
FIRST_TOKEN_MS = (FIRST_S + GAP_S) * 1000  # the role chunk comes first, the first token one gap later


def probe(base_url: str, count: int = 1, *args: str) -> dict:
    result = subprocess.run([sys.executable, str(PROBE), base_url, str(count), *args],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def servers():
    with FakeOpenAIServers() as fake:
        yield fake


def chats(result: dict) -> list[dict]:
    return [e for e in result["events"] if e["name"] == "llm_chat"]


def test_vllm_stream_with_a_usage_chunk_of_empty_choices(servers):
    (chat,) = chats(probe(f"{servers.url}/vllm/v1"))
    llm = chat["context"]["llm"]
    assert chat["error"] is None
    assert llm["output_tokens"] == len(WORDS) and llm["tokens_source"] == "usage"
    assert FIRST_TOKEN_MS <= llm["ttft_ms"] < FIRST_TOKEN_MS + 80 and llm["ttfot_ms"] == llm["ttft_ms"]
    assert len(llm["itl_ms"]) == len(WORDS) - 1
    assert chat["ms"] == llm["e2e_ms"] >= llm["ttft_ms"] + (len(WORDS) - 1) * GAP_S * 1000
    path, body = servers.requests[-2]  # the chat request, before the embeddings one
    assert path == "/vllm/v1/chat/completions" and body["stream_options"] == {"include_usage": True}


def test_llamacpp_stream_without_done_and_usage_in_the_finish_chunk(servers):
    (chat,) = chats(probe(f"{servers.url}/llamacpp/v1/"))  # a trailing slash too
    llm = chat["context"]["llm"]
    assert chat["error"] is None
    assert llm["output_tokens"] == len(WORDS) and llm["tokens_source"] == "usage"
    assert FIRST_TOKEN_MS <= llm["ttft_ms"] < FIRST_TOKEN_MS + 80


def test_a_stream_cut_before_any_finish_reason_fails_as_stream_cut(servers):
    (chat,) = chats(probe(f"{servers.url}/cut/v1"))
    assert chat["error"].startswith("stream cut: the connection closed before any finish_reason")


def test_reasoning_stream_ttft_to_any_token_ttfot_to_content(servers):
    (chat,) = chats(probe(f"{servers.url}/reasoning/v1"))
    llm = chat["context"]["llm"]
    assert chat["error"] is None
    assert llm["reasoning_tokens"] == len(THOUGHTS) and llm["output_tokens"] == len(THOUGHTS) + len(WORDS)
    assert FIRST_TOKEN_MS <= llm["ttft_ms"] < FIRST_TOKEN_MS + 80
    assert llm["ttfot_ms"] - llm["ttft_ms"] == pytest.approx(len(THOUGHTS) * GAP_S * 1000, abs=40)
    tokens = len(THOUGHTS) + len(WORDS)
    assert llm["tpot_ms"] == pytest.approx((llm["e2e_ms"] - llm["ttft_ms"]) / (tokens - 1))


def test_a_json_answer_to_a_streamed_request_is_a_clear_failure(servers):
    (chat,) = chats(probe(f"{servers.url}/jsononly/v1"))
    assert chat["error"] == "expected text/event-stream, got application/json"


def test_non_streamed_chat_takes_tokens_and_e2e_from_the_json_body(servers):
    (chat,) = chats(probe(f"{servers.url}/jsononly/v1", 1, "--no-stream"))
    llm = chat["context"]["llm"]
    assert chat["error"] is None and llm["streamed"] is False
    assert llm["output_tokens"] == len(WORDS) and llm["tokens_source"] == "usage"
    assert llm["ttft_ms"] is None and FIRST_S * 1000 <= llm["e2e_ms"] == chat["ms"]


def test_429_is_its_own_class_and_its_user_waits_retry_after(servers):
    result = probe(f"{servers.url}/ratelimited/v1", 2, "--batch", "5", "--model", "gpt-4")
    first, second = chats(result)
    assert first["error"].startswith("rate limited: HTTP 429")
    assert first["context"]["retry_wait_ms"] == 1000.0
    (first_call, second_call) = result["calls"]
    assert first_call[1] - first_call[0] >= 1.0  # the user waited the server's Retry-After ...
    assert first["ms"] < 500  # ... after its request was recorded: the wait is not its latency
    assert second["error"] is None and second["context"]["llm"]["model"] == "gpt-4"
    embed = next(e for e in result["events"] if e["name"] == "embed")
    assert embed["error"] is None and embed["context"]["docs"] == 5
    path, body = servers.requests[-1]
    assert path == "/ratelimited/v1/embeddings" and len(body["input"]) == 5
