"""Every input field has a limit: counts are 400s, sizes 413s, each naming the field; a value at the limit passes."""
from __future__ import annotations

import pytest

from memload.reference.http.limits import (
    MAX_BATCH_ITEMS,
    MAX_CONTENT_PARTS,
    MAX_EMBEDDING_INPUT_CHARS,
    MAX_EMBEDDING_INPUTS,
    MAX_EMBEDDING_TOTAL_CHARS,
    MAX_MESSAGES,
    MAX_OUTPUT_TOKENS,
    MAX_PROMPT_CHARS,
    MAX_QUERY_CHARS,
)

HI = {"role": "user", "content": "hi"}


def words(chars: int) -> str:
    """Text of exactly ``chars`` characters."""
    return ("lorem ipsum " * (chars // 12 + 1))[:chars]


@pytest.mark.parametrize("body, status, field", [
    ({"messages": [HI] * (MAX_MESSAGES + 1)}, 400, "messages"),
    ({"messages": [{"role": "user", "content": [{"type": "text", "text": "a"}] * (MAX_CONTENT_PARTS + 1)}]},
     400, "messages[0].content"),
    ({"messages": [{"role": "user", "content": words(MAX_PROMPT_CHARS // 2)}] * 2 + [HI]}, 413, "messages"),
    ({"messages": [HI], "max_tokens": MAX_OUTPUT_TOKENS + 1}, 400, "max_tokens"),
    ({"messages": [HI], "max_completion_tokens": MAX_OUTPUT_TOKENS + 1}, 400, "max_completion_tokens"),
    ({"messages": [{"role": "r" * 257, "content": "hi"}]}, 400, "messages[0].role"),
    ({"messages": [HI], "model": "m" * 300}, 400, "model"),
])
def test_chat_limits(shared_target, body, status, field):
    error = shared_target.assert_error("/v1/chat/completions", body, status, field)
    assert any(str(n) in error["message"] for n in (MAX_MESSAGES, MAX_CONTENT_PARTS, MAX_PROMPT_CHARS,
                                                    MAX_OUTPUT_TOKENS, 256)), error


def test_chat_at_the_limits_is_answered(shared_target):
    body = {"messages": [{"role": "user", "content": words(MAX_PROMPT_CHARS - 2 * (MAX_MESSAGES - 1))}]
            + [HI] * (MAX_MESSAGES - 1), "max_tokens": MAX_OUTPUT_TOKENS}
    response = shared_target.post("/v1/chat/completions", body)
    assert response.status_code == 200, response.text[:300]
    assert response.json()["usage"]["completion_tokens"] >= 1


@pytest.mark.parametrize("body, status, field", [
    ({"input": ["a"] * (MAX_EMBEDDING_INPUTS + 1)}, 400, "input"),
    ({"input": ["ok", words(MAX_EMBEDDING_INPUT_CHARS + 1)]}, 413, "input[1]"),
    ({"input": words(MAX_EMBEDDING_INPUT_CHARS + 1)}, 413, "input[0]"),
    ({"input": [words(MAX_EMBEDDING_INPUT_CHARS)] * (MAX_EMBEDDING_TOTAL_CHARS // MAX_EMBEDDING_INPUT_CHARS) + ["x"]},
     413, "input"),
])
def test_embedding_limits(shared_target, body, status, field):
    shared_target.assert_error("/v1/embeddings", body, status, field)


def test_embeddings_at_the_limits_are_answered(shared_target):
    count = MAX_EMBEDDING_TOTAL_CHARS // MAX_EMBEDDING_INPUT_CHARS
    response = shared_target.post("/v1/embeddings", {"input": [words(MAX_EMBEDDING_INPUT_CHARS)] * count})
    assert response.status_code == 200 and len(response.json()["data"]) == count
    response = shared_target.post("/v1/embeddings", {"input": ["a"] * MAX_EMBEDDING_INPUTS})
    assert response.status_code == 200 and len(response.json()["data"]) == MAX_EMBEDDING_INPUTS


@pytest.mark.parametrize("path, name", [("/v1/search", "query"), ("/v1/rag/query", "question")])
def test_query_and_question_limits(shared_target, user_id, path, name):
    body = {"user_id": user_id, name: words(MAX_QUERY_CHARS + 1)}
    shared_target.assert_error(path, body, 400, name)
    assert shared_target.post(path, {**body, name: words(MAX_QUERY_CHARS)}).status_code == 200


def test_batch_of_the_most_items_is_stored(shared_target, user_id):
    items = [{"user_id": user_id, "content": f"memory {i}"} for i in range(MAX_BATCH_ITEMS)]
    assert shared_target.post("/v1/memories/batch", {"items": items}).status_code == 201
    shared_target.assert_error("/v1/memories/batch", {"items": items + items[:1]}, 400, "items")
