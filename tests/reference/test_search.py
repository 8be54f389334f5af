"""Search ranks a user's own memories by cosine similarity; tenants never see each other."""
from __future__ import annotations

import pytest

CONTENTS = [
    "I drink green tea every morning before work",
    "My daughter plays the violin on Tuesdays",
    "The car needs new winter tyres in November",
    "I am allergic to peanuts and shellfish",
    "Our wedding anniversary is on the 14th of June",
    "I prefer window seats on long flights",
    "The wifi password at the cabin is on the fridge",
    "Green tea with jasmine is my favourite drink",
]


def store(target, user_id, contents, namespace=None):
    items = [{"user_id": user_id, "content": c, **({"namespace": namespace} if namespace else {})} for c in contents]
    response = target.post("/v1/memories/batch", {"items": items})
    assert response.status_code == 201
    return response.json()["ids"]


def search(target, user_id, query, **extra):
    response = target.post("/v1/search", {"user_id": user_id, "query": query, **extra})
    assert response.status_code == 200, response.text
    return response.json()["results"]


def test_exact_content_comes_back_first_with_score_one(shared_target, user_id):
    ids = store(shared_target, user_id, CONTENTS)
    for memory_id, content in zip(ids, CONTENTS):
        results = search(shared_target, user_id, content)
        assert results[0]["id"] == memory_id
        assert results[0]["content"] == content
        assert results[0]["score"] == pytest.approx(1.0, abs=1e-5)


def test_results_are_ranked_and_limited_by_top_k(shared_target, user_id):
    store(shared_target, user_id, CONTENTS)
    results = search(shared_target, user_id, "green tea drink", top_k=3)
    assert len(results) == 3
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)
    assert {r["content"] for r in results[:2]} == {CONTENTS[0], CONTENTS[7]}
    assert set(results[0]) == {"id", "user_id", "content", "score"}
    assert {r["user_id"] for r in results} == {user_id}
    assert len(search(shared_target, user_id, "anything", top_k=100)) == len(CONTENTS)


def test_default_top_k_is_10(shared_target, user_id):
    store(shared_target, user_id, [f"fact number {i} about apples" for i in range(15)])
    assert len(search(shared_target, user_id, "apples")) == 10


def test_namespace_filter(shared_target, user_id):
    work = store(shared_target, user_id, ["deadline for the report is Friday"], namespace="work")
    store(shared_target, user_id, ["deadline for the passport renewal is Friday"], namespace="home")
    results = search(shared_target, user_id, "deadline Friday", namespace="work")
    assert [r["id"] for r in results] == work
    assert search(shared_target, user_id, "deadline", namespace="nowhere") == []


def test_a_user_never_sees_another_users_memories(shared_target, user_id):
    other = f"{user_id}-other"
    mine = set(store(shared_target, user_id, CONTENTS[:4]))
    theirs = store(shared_target, other, CONTENTS)
    for content in CONTENTS:
        assert {r["id"] for r in search(shared_target, user_id, content, top_k=100)} <= mine
    # get and delete of another user's id answer 404, and the memory stays
    for memory_id in theirs[:2]:
        assert shared_target.get(f"/v1/memories/{memory_id}", params={"user_id": user_id}).status_code == 404
        assert shared_target.delete(f"/v1/memories/{memory_id}", params={"user_id": user_id}).status_code == 404
        assert shared_target.get(f"/v1/memories/{memory_id}", params={"user_id": other}).status_code == 200
    listed = shared_target.get("/v1/memories", params={"user_id": user_id, "limit": 100}).json()
    assert {m["id"] for m in listed["memories"]} == mine


def test_user_without_memories_gets_no_results(shared_target, user_id):
    assert search(shared_target, user_id, "hello") == []


def test_query_without_words_still_answers(shared_target, user_id):
    store(shared_target, user_id, CONTENTS[:2])
    results = search(shared_target, user_id, "?!", top_k=2)
    assert len(results) == 2 and all(r["score"] == 0 for r in results)


@pytest.mark.parametrize("body, field", [
    ({"query": "x"}, "user_id"),
    ({"user_id": "u"}, "query"),
    ({"user_id": "u", "query": 5}, "query"),
    ({"user_id": "u", "query": "x", "top_k": 0}, "top_k"),
    ({"user_id": "u", "query": "x", "top_k": 101}, "top_k"),
    ({"user_id": "u", "query": "x", "top_k": "5"}, "top_k"),
    ({"user_id": "u", "query": "x", "top_k": True}, "top_k"),
    ({"user_id": "u", "query": "x", "top_k": 2.5}, "top_k"),
    ({"user_id": "u", "query": "x", "namespace": []}, "namespace"),
])
def test_bad_search_requests_are_400_naming_the_field(shared_target, body, field):
    shared_target.assert_error("/v1/search", body, 400, field)
