"""Bodies the JSON spec (or Unicode) does not allow are 400s, never 500s, and nothing non-JSON is served:
deep nesting, lone surrogates, NaN and Infinity, bodies that are not UTF-8."""
from __future__ import annotations

import json

import pytest

from memload.reference.http.json_body import field_name, parse_object
from memload.reference.http.errors import ApiError
from memload.reference.http.limits import MAX_JSON_DEPTH


def strict_json(text: str):
    """json.loads that refuses NaN and Infinity, as every JSON parser but Python's does."""
    def refuse(name):
        raise ValueError(f"{name} is not JSON")
    return json.loads(text, parse_constant=refuse)


def post_raw(target, path: str, raw: str | bytes):
    return target.session.post(target.url + path, data=raw if isinstance(raw, bytes) else raw.encode(),
                               headers={"Content-Type": "application/json"}, timeout=30)


def assert_invalid(response, field=None):
    assert response.status_code == 400, response.text
    error = strict_json(response.text)["error"]
    assert error["type"] == "invalid_json" and error["message"]
    assert error.get("field") == field, error
    return error


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.parametrize("raw, field", [
    ('{"user_id":"u","content":"c","metadata":{"a":' + nested(1000) + "}}", None),  # past the recursion limit
    (nested(100_000), None),
    # body 1, metadata 2, a's arrays 3, 4, ...: level 33, the first too deep, is a + 30 x [0]
    ('{"user_id":"u","content":"c","metadata":{"a":' + nested(MAX_JSON_DEPTH) + "}}", "metadata.a" + "[0]" * 30),
])
def test_deep_nesting_is_400(shared_target, raw, field):
    error = assert_invalid(post_raw(shared_target, "/v1/memories", raw), field)
    assert f"deeper than {MAX_JSON_DEPTH} levels" in error["message"]


def test_nesting_up_to_the_limit_is_stored_and_served_back(shared_target, user_id):
    metadata = {"a": json.loads(nested(MAX_JSON_DEPTH - 2))}  # body 1, metadata 2, a's arrays 3..32
    created = shared_target.post("/v1/memories", {"user_id": user_id, "content": "deep", "metadata": metadata})
    assert created.status_code == 201, created.text
    got = shared_target.get(f"/v1/memories/{created.json()['id']}", params={"user_id": user_id})
    assert strict_json(got.text)["metadata"] == metadata


@pytest.mark.parametrize("path, raw, field", [
    ("/v1/memories", '{"user_id":"u","content":"a \\ud800 b"}', "content"),
    ("/v1/memories", '{"user_id":"\\udc00x","content":"hi"}', "user_id"),
    ("/v1/memories", '{"user_id":"u","content":"hi","metadata":{"k":["ok","\\uDBFF"]}}', "metadata.k[1]"),
    ("/v1/memories", '{"user_id":"u","content":"hi","metadata":{"\\ud800":1}}', "metadata"),
    ("/v1/memories/batch", '{"items":[{"user_id":"u","content":"ok"},{"user_id":"u","content":"\\ude00"}]}',
     "items[1].content"),
    ("/v1/search", '{"user_id":"u","query":"\\ud83d"}', "query"),
    ("/v1/chat/completions", '{"messages":[{"role":"user","content":"\\ud800"}]}', "messages[0].content"),
    ("/v1/embeddings", '{"input":["\\udfff"]}', "input[0]"),
])
def test_lone_surrogates_are_400_naming_the_field(shared_target, path, raw, field):
    assert "surrogate" in assert_invalid(post_raw(shared_target, path, raw), field)["message"]


def test_surrogate_pairs_and_raw_utf8_are_fine(shared_target, user_id):
    raw = '{"user_id":"%s","content":"smile \\ud83d\\ude00 and caf\\u00e9 and ünï"}' % user_id
    created = post_raw(shared_target, "/v1/memories", raw)
    assert created.status_code == 201, created.text
    got = shared_target.get(f"/v1/memories/{created.json()['id']}", params={"user_id": user_id}).json()
    assert got["content"] == "smile \U0001F600 and café and ünï"


@pytest.mark.parametrize("raw", [
    b'{"user_id":"u","content":"\xed\xa0\x80"}',  # a surrogate encoded as UTF-8 bytes
    b'{"user_id":"u","content":"\xff"}',
    '{"user_id":"u","content":"hi"}'.encode("utf-16"),
])
def test_bodies_that_are_not_utf8_are_400(shared_target, raw):
    assert "UTF-8" in assert_invalid(post_raw(shared_target, "/v1/memories", raw))["message"]


@pytest.mark.parametrize("path, raw", [
    ("/v1/memories", '{"user_id":"%s","content":"hi","metadata":{"x":NaN}}'),
    ("/v1/memories", '{"user_id":"%s","content":"hi","metadata":{"x":[1,-Infinity]}}'),
    ("/v1/memories", '{"user_id":"%s","content":"hi","metadata":{"x":1e400}}'),
    ("/v1/memories/batch", '{"items":[{"user_id":"%s","content":"hi","metadata":{"x":Infinity}}]}'),
    ("/v1/search", '{"user_id":"%s","query":"hi","top_k":NaN}'),
    ("/v1/chat/completions", '{"messages":[{"role":"user","content":"hi"}],"temperature":NaN,"user":"%s"}'),
    ("/v1/rag/query", '{"user_id":"%s","question":"hi","temperature":-1e999}'),
])
def test_nan_and_infinity_are_400_and_nothing_is_stored(shared_target, user_id, path, raw):
    assert_invalid(post_raw(shared_target, path, raw % user_id))
    assert shared_target.get("/v1/memories", params={"user_id": user_id}).json()["total"] == 0


def test_large_finite_numbers_round_trip_as_json(shared_target, user_id):
    metadata = {"big": 1.7976931348623157e308, "tiny": 5e-324, "int": 10 ** 300, "neg": -0.0}
    created = shared_target.post("/v1/memories", {"user_id": user_id, "content": "numbers", "metadata": metadata})
    assert created.status_code == 201, created.text
    got = shared_target.get(f"/v1/memories/{created.json()['id']}", params={"user_id": user_id})
    assert strict_json(got.text)["metadata"] == metadata


def test_parse_object_unit():
    assert parse_object(b'{"a": [1, 2.5, {"b": "\\ud83d\\ude00"}]}') == {"a": [1, 2.5, {"b": "\U0001F600"}]}
    assert parse_object(b'{"x": "' + b"[" * 500 + b'"}') == {"x": "[" * 500}  # brackets in strings are no nesting
    with pytest.raises(ApiError) as raised:
        parse_object(b'{"a": {"b": [' + nested(MAX_JSON_DEPTH).encode() + b"]}}")
    assert raised.value.status == 400 and raised.value.field.startswith("a.b[0][0]")
    assert field_name(["items", 3, "content"]) == "items[3].content" and field_name([]) is None
    assert len(field_name(["k" * 500])) == 200
