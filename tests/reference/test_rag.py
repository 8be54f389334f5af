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
