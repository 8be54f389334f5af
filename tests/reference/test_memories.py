"""The memory API contract: create, batch, get, list, delete, and every error path."""
from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest

MAX_CONTENT_BYTES = 64 * 1024


def create(target, user_id, content="I like green tea", **extra):
    response = target.post("/v1/memories", {"user_id": user_id, "content": content, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def assert_error(response, status, field=None):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["message"]
    if field is not None:
        assert error.get("field") == field, error
    return error


def test_create_returns_201_with_id_and_get_returns_everything(shared_target, user_id):
    created = create(shared_target, user_id, "My dog is called Rex", namespace="pets", metadata={"source": "chat"})
    assert set(created) == {"id", "user_id", "namespace", "created_at"}
    assert created["user_id"] == user_id and created["namespace"] == "pets"
    assert created["created_at"].endswith("Z")

    fetched = shared_target.get(f"/v1/memories/{created['id']}", params={"user_id": user_id})
    assert fetched.status_code == 200
    assert fetched.json() == {**created, "content": "My dog is called Rex", "metadata": {"source": "chat"}}


def test_namespace_defaults_to_default(shared_target, user_id):
    assert create(shared_target, user_id)["namespace"] == "default"


def test_batch_stores_all_items_in_order(shared_target, user_id):
    items = [{"user_id": user_id, "content": f"memory number {i}"} for i in range(256)]
    response = shared_target.post("/v1/memories/batch", {"items": items})
    assert response.status_code == 201
    body = response.json()
    assert len(body["ids"]) == 256 == len(set(body["ids"]))
    assert [item["id"] for item in body["items"]] == body["ids"]
    listed = shared_target.get("/v1/memories", params={"user_id": user_id, "limit": 1000}).json()
    assert listed["total"] == 256
    assert [m["content"] for m in listed["memories"]] == [f"memory number {i}" for i in range(256)]


def test_list_pages_and_filters_by_namespace(shared_target, user_id):
    ids = [create(shared_target, user_id, f"note {i}", namespace="a" if i % 2 else "b")["id"] for i in range(6)]
    page = shared_target.get("/v1/memories", params={"user_id": user_id, "limit": 2, "offset": 2}).json()
    assert page["total"] == 6
    assert [m["id"] for m in page["memories"]] == ids[2:4]
    only_a = shared_target.get("/v1/memories", params={"user_id": user_id, "namespace": "a"}).json()
    assert only_a["total"] == 3 and [m["id"] for m in only_a["memories"]] == ids[1::2]
    empty = shared_target.get("/v1/memories", params={"user_id": f"{user_id}-nobody"}).json()
    assert empty["memories"] == [] and empty["total"] == 0


def test_delete_removes_from_get_list_and_search(shared_target, user_id):
    kept = create(shared_target, user_id, "the blue bicycle in the garage")["id"]
    gone = create(shared_target, user_id, "the red kayak on the lake")["id"]
    response = shared_target.delete(f"/v1/memories/{gone}", params={"user_id": user_id})
    assert response.status_code in (200, 204)
    assert_error(shared_target.get(f"/v1/memories/{gone}", params={"user_id": user_id}), 404)
    assert_error(shared_target.delete(f"/v1/memories/{gone}", params={"user_id": user_id}), 404)
    listed = shared_target.get("/v1/memories", params={"user_id": user_id}).json()
    assert [m["id"] for m in listed["memories"]] == [kept]
    results = shared_target.post("/v1/search", {"user_id": user_id, "query": "the red kayak on the lake"}).json()
    assert [r["id"] for r in results["results"]] == [kept]


def test_content_of_exactly_64_kib_is_accepted_and_one_byte_more_is_413(shared_target, user_id):
    create(shared_target, user_id, "a" * MAX_CONTENT_BYTES)
    error = assert_error(shared_target.post("/v1/memories", {"user_id": user_id, "content": "a" * (MAX_CONTENT_BYTES + 1)}),
                         413, "content")
    assert "65536" in error["message"]
    # 2-byte UTF-8 characters: 40,000 of them are 80,000 bytes
    assert_error(shared_target.post("/v1/memories", {"user_id": user_id, "content": "é" * 40_000}), 413, "content")


@pytest.mark.parametrize("body, field", [
    ({"content": "x"}, "user_id"),
    ({"user_id": 7, "content": "x"}, "user_id"),
    ({"user_id": "", "content": "x"}, "user_id"),
    ({"user_id": "u"}, "content"),
    ({"user_id": "u", "content": 12}, "content"),
    ({"user_id": "u", "content": "   "}, "content"),
    ({"user_id": "u", "content": "x", "namespace": 3}, "namespace"),
    ({"user_id": "u", "content": "x", "metadata": ["not", "an", "object"]}, "metadata"),
    ({"user_id": "u" * 300, "content": "x"}, "user_id"),
])
def test_missing_or_mistyped_fields_are_400_naming_the_field(shared_target, body, field):
    assert_error(shared_target.post("/v1/memories", body), 400, field)


@pytest.mark.parametrize("raw", [b"{not json", b"", b"[1, 2]", b'"a string"', b"\xff\xfe"])
def test_malformed_json_is_400(shared_target, raw):
    response = shared_target.session.post(shared_target.url + "/v1/memories", data=raw,
                                          headers={"Content-Type": "application/json"})
    assert assert_error(response, 400)["type"] == "invalid_json"


@pytest.mark.parametrize("body, status, field", [
    ({}, 400, "items"),
    ({"items": []}, 400, "items"),
    ({"items": "nope"}, 400, "items"),
    ({"items": [{"user_id": "u", "content": "x"}] * 257}, 400, "items"),
    ({"items": [{"user_id": "u", "content": "x"}, 5]}, 400, "items[1]"),
    ({"items": [{"user_id": "u", "content": "x"}, {"user_id": "u"}]}, 400, "items[1].content"),
    ({"items": [{"user_id": "u", "content": "x"}, {"user_id": "u", "content": "y" * 70_000}]}, 413, "items[1].content"),
])
def test_a_bad_batch_names_the_item_and_stores_nothing(shared_target, user_id, body, status, field):
    items = body.get("items")
    if isinstance(items, list):
        body = {"items": [{**item, "user_id": user_id} if isinstance(item, dict) else item for item in items]}
    assert_error(shared_target.post("/v1/memories/batch", body), status, field)
    assert shared_target.get("/v1/memories", params={"user_id": user_id}).json()["total"] == 0


def test_unknown_id_and_missing_user_id(shared_target, user_id):
    memory_id = create(shared_target, user_id)["id"]
    assert_error(shared_target.get("/v1/memories/does-not-exist", params={"user_id": user_id}), 404)
    assert_error(shared_target.get(f"/v1/memories/{memory_id}"), 400, "user_id")
    assert_error(shared_target.delete(f"/v1/memories/{memory_id}"), 400, "user_id")
    assert_error(shared_target.get("/v1/memories"), 400, "user_id")


@pytest.mark.parametrize("params, field", [
    ({"limit": "0"}, "limit"), ({"limit": "abc"}, "limit"), ({"limit": "1001"}, "limit"),
    ({"offset": "-1"}, "offset"), ({"offset": "1.5"}, "offset"),
])
def test_bad_paging_is_400(shared_target, user_id, params, field):
    assert_error(shared_target.get("/v1/memories", params={"user_id": user_id, **params}), 400, field)


def test_unknown_route_and_wrong_method_are_json(shared_target):
    assert assert_error(shared_target.get("/v1/nothing-here"), 404)["type"] == "not_found"
    assert_error(shared_target.session.put(shared_target.url + "/v1/memories", json={}), 405)


def test_body_over_the_request_limit_is_413_before_it_is_read(shared_target):
    parts = urlsplit(shared_target.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as conn:
        conn.sendall(b"POST /v1/memories HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 900000000\r\n\r\n{")
        reply = conn.recv(65536).decode("latin-1")
    assert reply.startswith("HTTP/1.1 413")
    assert '"payload_too_large"' in reply


FIELD_VALUES = [None, 0, 1.5, True, "", [], {}, "x" * 300, [1, {"a": None}]]
ENDPOINTS = {
    "/v1/memories": {"user_id": "fuzz", "content": "hello there", "namespace": "n", "metadata": {}},
    "/v1/search": {"user_id": "fuzz", "query": "hello", "top_k": 3, "namespace": "n"},
    "/v1/chat/completions": {"model": "fast", "messages": [{"role": "user", "content": "hi"}], "temperature": 0,
                             "max_tokens": 4, "stream": False, "stream_options": {"include_usage": True}},
    "/v1/embeddings": {"model": "fast", "input": ["hello"], "encoding_format": "float"},
    "/v1/rag/query": {"user_id": "fuzz", "question": "hello?", "top_k": 2, "model": "fast"},
}


@pytest.mark.parametrize("path", sorted(ENDPOINTS))
def test_no_mistyped_field_ever_gives_a_500(shared_target, path):
    base = ENDPOINTS[path]
    for name in base:
        for value in FIELD_VALUES:
            response = shared_target.post(path, {**base, name: value})
            assert response.status_code in (200, 201, 400, 404, 413), (name, value, response.text)
            if response.status_code >= 400:
                assert response.json()["error"]["message"]
