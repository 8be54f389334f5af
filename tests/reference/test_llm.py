"""OpenAI-compatible LLM endpoints: chat (plain and SSE), embeddings, models."""
from __future__ import annotations

import base64
import threading
import time
import uuid

import numpy as np
import pytest
import requests

from memload.reference.llm.profiles import PROFILES, LatencySampler


def messages(text=None):
    return [{"role": "system", "content": "You are terse."},
            {"role": "user", "content": text or f"tell me about {uuid.uuid4().hex}"}]


def test_chat_completion_has_the_openai_shape(shared_target):
    response = shared_target.post("/v1/chat/completions", {"model": "fast", "messages": messages()})
    assert response.status_code == 200
    body = response.json()
    assert body["object"] == "chat.completion" and body["model"] == "fast" and body["id"].startswith("chatcmpl-")
    choice = body["choices"][0]
    assert choice["message"]["role"] == "assistant" and choice["message"]["content"]
    assert choice["finish_reason"] == "stop"
    usage = body["usage"]
    assert usage["completion_tokens"] == len(choice["message"]["content"].split())
    assert 16 <= usage["completion_tokens"] <= 32  # the fast profile's output length
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert usage["prompt_tokens"] == 3 + 4  # words: "You are terse." + "tell me about <hex>"


def test_max_tokens_caps_the_answer(shared_target):
    body = shared_target.post("/v1/chat/completions",
                              {"model": "fast", "messages": messages(), "max_tokens": 3}).json()
    assert body["usage"]["completion_tokens"] == 3
    assert body["choices"][0]["finish_reason"] == "length"
    body = shared_target.post("/v1/chat/completions",
                              {"model": "fast", "messages": messages(), "max_completion_tokens": 2}).json()
    assert body["usage"]["completion_tokens"] == 2


def test_content_parts_are_accepted(shared_target):
    parts = [{"role": "user", "content": [{"type": "text", "text": "hello"}, {"type": "text", "text": "world"}]}]
    assert shared_target.post("/v1/chat/completions", {"messages": parts}).status_code == 200


def test_stream_is_valid_sse_with_usage_and_done(shared_target, chat_stream):
    body = {"model": "fast", "messages": messages(), "stream": True, "stream_options": {"include_usage": True}}
    response, events, _ = chat_stream(shared_target, body)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/event-stream")
    assert events[-1] == "[DONE]"
    chunks = events[:-1]
    assert all(c["object"] == "chat.completion.chunk" and c["model"] == "fast" for c in chunks)
    assert len({c["id"] for c in chunks}) == 1
    usage_chunk = chunks[-1]
    assert usage_chunk["choices"] == []
    content = [c["choices"][0]["delta"].get("content") for c in chunks[:-1] if c["choices"][0]["delta"].get("content")]
    assert usage_chunk["usage"]["completion_tokens"] == len(content)
    assert usage_chunk["usage"]["total_tokens"] == usage_chunk["usage"]["prompt_tokens"] + len(content)
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    text = "".join(content)
    # the same request without streaming answers the same text (temperature 0 is deterministic)
    plain = shared_target.post("/v1/chat/completions", {**body, "stream": False}).json()
    assert plain["choices"][0]["message"]["content"] == text


def test_stream_without_include_usage_has_no_usage_chunk(shared_target, chat_stream):
    _, events, _ = chat_stream(shared_target, {"messages": messages(), "stream": True})
    assert events[-1] == "[DONE]"
    assert all(chunk["choices"] and "usage" not in chunk for chunk in events[:-1])


def test_sse_parser_follows_the_spec(sse_parser):
    lines = [b": comment", b"data: one", b"data:two", b"", b"event: x", b"data: {\"a\": 1}", b"", b"data: cut"]
    assert sse_parser(iter(lines)) == ["one\ntwo", '{"a": 1}']


def test_stream_timing_follows_the_sampled_plan(start_target, chat_stream):
    """A fresh target's first draw is known from its seed: the first token may not come before
    the planned time to first token, nor the stream end before the planned total."""
    seed = 11
    plan = LatencySampler(seed=seed).plan(PROFILES["gpt-3.5-turbo"], max_tokens=8)
    target = start_target("--seed", str(seed))
    body = {"model": "gpt-3.5-turbo", "messages": messages(), "max_tokens": 8, "stream": True,
            "stream_options": {"include_usage": True}}
    _, events, arrivals = chat_stream(target, body)
    content_times = [t for e, t in zip(events, arrivals)
                     if isinstance(e, dict) and e["choices"] and e["choices"][0]["delta"].get("content")]
    assert len(content_times) == plan.output_tokens == events[-2]["usage"]["completion_tokens"]
    assert content_times[0] >= plan.ttft_s
    assert arrivals[-1] >= plan.e2e_s
    assert content_times == sorted(content_times)


def test_a_slow_completion_does_not_block_other_requests(start_target, user_id):
    target = start_target()
    finished = {}

    def slow_chat():
        target.session.post(target.url + "/v1/chat/completions", json={"model": "gpt-4", "messages": messages()},
                            timeout=60)
        finished["chat"] = time.monotonic()

    thread = threading.Thread(target=slow_chat)
    thread.start()
    time.sleep(0.2)
    # a second connection: the session's is busy with the slow request
    reply = requests.post(target.url + "/v1/memories", json={"user_id": user_id, "content": "quick"}, timeout=30)
    finished["create"] = time.monotonic()
    thread.join()
    assert reply.status_code == 201
    assert finished["create"] < finished["chat"]


def test_embeddings_have_384_dims_and_the_openai_shape(shared_target):
    body = shared_target.post("/v1/embeddings", {"model": "fast", "input": ["green tea", "black coffee"]}).json()
    assert body["object"] == "list" and body["model"] == "fast"
    assert [d["index"] for d in body["data"]] == [0, 1]
    vectors = np.array([d["embedding"] for d in body["data"]])
    assert vectors.shape == (2, 384)
    assert np.linalg.norm(vectors, axis=1) == pytest.approx([1.0, 1.0], abs=1e-4)
    single = shared_target.post("/v1/embeddings", {"input": "green tea"}).json()
    assert single["data"][0]["embedding"] == body["data"][0]["embedding"]
    assert body["usage"]["prompt_tokens"] == 4


def test_embeddings_in_base64(shared_target):
    floats = shared_target.post("/v1/embeddings", {"input": "green tea"}).json()["data"][0]["embedding"]
    encoded = shared_target.post("/v1/embeddings", {"input": "green tea", "encoding_format": "base64"}).json()
    decoded = np.frombuffer(base64.b64decode(encoded["data"][0]["embedding"]), dtype="<f4")
    assert decoded == pytest.approx(floats, abs=1e-6)


def test_embedding_profile_latency_is_applied(start_target):
    seed = 5
    expected_s = LatencySampler(seed=seed).sample_e2e_s(PROFILES["text-embedding-ada-002"])
    target = start_target("--seed", str(seed))
    started = time.perf_counter()
    assert target.post("/v1/embeddings", {"model": "text-embedding-ada-002", "input": "hello"}).status_code == 200
    assert time.perf_counter() - started >= expected_s


def test_models_lists_every_profile(shared_target):
    body = shared_target.get("/v1/models").json()
    assert body["object"] == "list"
    assert {m["id"] for m in body["data"]} == set(PROFILES)
    gpt4 = next(m for m in body["data"] if m["id"] == "gpt-4")
    assert (gpt4["e2e_p50_s"], gpt4["e2e_p95_s"], gpt4["e2e_p99_s"]) == (1.8, 2.5, 3.2)


@pytest.mark.parametrize("body, status, field", [
    ({}, 400, "messages"),
    ({"messages": []}, 400, "messages"),
    ({"messages": "hi"}, 400, "messages"),
    ({"messages": ["hi"]}, 400, "messages[0]"),
    ({"messages": [{"content": "hi"}]}, 400, "messages[0].role"),
    ({"messages": [{"role": "user", "content": 5}]}, 400, "messages[0].content"),
    ({"messages": [{"role": "user", "content": "hi"}], "model": "gpt-7"}, 404, "model"),
    ({"messages": [{"role": "user", "content": "hi"}], "model": "text-embedding-ada-002"}, 400, "model"),
    ({"messages": [{"role": "user", "content": "hi"}], "temperature": "hot"}, 400, "temperature"),
    ({"messages": [{"role": "user", "content": "hi"}], "temperature": 3}, 400, "temperature"),
    ({"messages": [{"role": "user", "content": "hi"}], "max_tokens": 0}, 400, "max_tokens"),
    ({"messages": [{"role": "user", "content": "hi"}], "stream": "yes"}, 400, "stream"),
    ({"messages": [{"role": "user", "content": "hi"}], "stream_options": [1]}, 400, "stream_options"),
])
def test_bad_chat_requests(shared_target, body, status, field):
    shared_target.assert_error("/v1/chat/completions", body, status, field)


@pytest.mark.parametrize("body, status, field", [
    ({}, 400, "input"),
    ({"input": []}, 400, "input"),
    ({"input": [1, 2]}, 400, "input[0]"),
    ({"input": ["ok", ""]}, 400, "input[1]"),
    ({"input": "x", "model": "gpt-4"}, 400, "model"),
    ({"input": "x", "model": "nope"}, 404, "model"),
    ({"input": "x", "encoding_format": "int8"}, 400, "encoding_format"),
    ({"input": "x", "dimensions": 100}, 400, "dimensions"),
])
def test_bad_embedding_requests(shared_target, body, status, field):
    shared_target.assert_error("/v1/embeddings", body, status, field)
