"""RAG: search the caller's memories, then answer with them as context through the LLM path."""
from __future__ import annotations

import pytest


def test_rag_answers_from_the_callers_own_memories(shared_target, user_id):
    mine = ["I keep three beehives in the orchard", "My bees make heather honey in August"]
    ids = shared_target.post("/v1/memories/batch",
                             {"items": [{"user_id": user_id, "content": c} for c in mine]}).json()["ids"]
    shared_target.post("/v1/memories", {"user_id": f"{user_id}-x", "content": "I keep bees and beehives too"})
    response = shared_target.post("/v1/rag/query", {"user_id": user_id, "question": "Where are my beehives?",
                                                    "top_k": 5, "model": "fast"})
    assert response.status_code == 200
    body = response.json()
    assert [s["id"] for s in body["sources"]][:1] == [ids[0]]
    assert {s["id"] for s in body["sources"]} == set(ids)
    assert all(set(s) == {"id", "content", "score"} for s in body["sources"])
    assert body["answer"] and body["model"] == "fast"
    # the answer is generated from the prompt, which holds the memories
    assert set(body["answer"].split()) & {"beehives", "orchard", "bees", "honey", "heather"}
    assert body["usage"]["completion_tokens"] == len(body["answer"].split())


def test_rag_streamed_sends_the_sources_then_a_chat_completion_stream(shared_target, user_id):
    import json

    shared_target.post("/v1/memories", {"user_id": user_id, "content": "I sail a small boat on the lake"})
    response = shared_target.post("/v1/rag/query", {"user_id": user_id, "question": "What do I sail?",
                                                    "model": "fast", "stream": True}, stream=True)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/event-stream")
    assert response.headers["X-Cache"] in ("HIT", "MISS")
    events = [line[len("data: "):] for line in response.iter_lines(decode_unicode=True) if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    first, *chunks = [json.loads(e) for e in events[:-1]]
    assert first["object"] == "rag.sources" and "small boat" in first["sources"][0]["content"]
    words = [c["choices"][0]["delta"]["content"] for c in chunks if c["choices"] and c["choices"][0]["delta"].get("content")]
    finish = [c["choices"][0]["finish_reason"] for c in chunks if c["choices"] and c["choices"][0]["finish_reason"]]
    usage = chunks[-1]["usage"]
    assert finish and words and usage["completion_tokens"] == len(words)


def test_rag_top_k_limits_sources(shared_target, user_id):
    items = [{"user_id": user_id, "content": f"fact {i} about sailing"} for i in range(6)]
    shared_target.post("/v1/memories/batch", {"items": items})
    body = shared_target.post("/v1/rag/query", {"user_id": user_id, "question": "sailing", "top_k": 2}).json()
    assert len(body["sources"]) == 2


def test_rag_without_memories_still_answers(shared_target, user_id):
    body = shared_target.post("/v1/rag/query", {"user_id": user_id, "question": "anything?"}).json()
    assert body["sources"] == [] and body["answer"]


@pytest.mark.parametrize("body, status, field", [
    ({"question": "q"}, 400, "user_id"),
    ({"user_id": "u"}, 400, "question"),
    ({"user_id": "u", "question": "q", "top_k": 0}, 400, "top_k"),
    ({"user_id": "u", "question": "q", "model": "gpt-9"}, 404, "model"),
    ({"user_id": "u", "question": "q", "temperature": -1}, 400, "temperature"),
])
def test_bad_rag_requests(shared_target, body, status, field):
    shared_target.assert_error("/v1/rag/query", body, status, field)
