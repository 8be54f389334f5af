"""The declarative HTTP adapter (target = "http"): its JSON paths, templates, the [http] table's
errors, and every operation of docs/examples/http_service.toml against a server with that API
(tests/helpers/notes_v2.py), through the adapter on a real loopback HTTP connection (the
preflight's client: no Locust, a second or so). The same scenario under `memload run` is in
test_http_runs.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from memload.adapters.base import AdapterOptions, FoundMemory
from memload.adapters.http.adapter import HttpAdapter
from memload.adapters.http.jsonpath import MISSING, find, parse_path
from memload.adapters.http.templates import placeholders, render, render_path
from memload.adapters.preflight import PreflightClient, run_preflight
from memload.scenario import ScenarioError, load_scenario, parse_scenario
from notes_v2 import NotesV2

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "http_service.toml"
KEY = "notes-key-for-tests"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("data.memory.uuid", "u1"),
        ("hits", [{"text": "a"}, {"text": "b"}]),
        ("hits[1].text", "b"),
        ("hits[*].text", ["a", "b"]),
        ("data.missing", MISSING),
        ("hits[5].text", MISSING),
        ("data.memory.uuid.deeper", MISSING),
        ("$", "whole"),
    ],
)
def test_json_paths_find_keys_indexes_and_every_item(path, expected):
    document = {"data": {"memory": {"uuid": "u1"}}, "hits": [{"text": "a"}, {"text": "b"}]}
    found = find("whole" if path == "$" else document, parse_path(path))
    assert found is expected if expected is MISSING else found == expected


@pytest.mark.parametrize("bad", ["", "a..b", ".a", "a.", "[0]", "a[x]", "a[0]b", "a]"])
def test_malformed_json_paths_are_refused(bad):
    with pytest.raises(ValueError):
        parse_path(bad)


def test_templates_keep_types_when_whole_and_write_text_inside_strings(monkeypatch):
    values = {"user_id": "u/1", "top_k": 5, "contents": ["a", "b"], "content": "tea"}
    template = {"q": "{content}", "k": "{top_k}", "all": "{contents}", "note": "k={top_k} {{raw}}", "n": 3}
    assert render(template, values) == {"q": "tea", "k": 5, "all": ["a", "b"], "note": "k=5 {raw}", "n": 3}
    assert render_path("/v2/users/{user_id}/notes", values) == "/v2/users/u%2F1/notes"
    assert placeholders(["{a}", {"{b}": "x{c}"}]) == {"a", "b", "c"}
    monkeypatch.setenv("MEMLOAD_TEST_TOKEN", "t0k")
    assert render("Bearer {env:MEMLOAD_TEST_TOKEN}", {}) == "Bearer t0k"
    with pytest.raises(ValueError):
        placeholders("{unclosed")


BASE = {
    "target": "http",
    "load": {"users": 1, "duration": "5s"},
    "mix": {"create_memory": 1, "search": 1},
    "http": {
        "create_memory": {"path": "/notes", "body": {"text": "{content}"}, "id": "id"},
        "search": {"path": "/search", "body": {"q": "{query}"}, "results": "hits"},
    },
}


def _with(**changes: object) -> dict:
    http = {**BASE["http"]}
    for key, value in changes.items():
        op, _, field = key.partition("__")
        if not field:
            http[op] = value
        elif value is None:
            http[op] = {k: v for k, v in http[op].items() if k != field}
        else:
            http[op] = {**http[op], field: value}
    return {**BASE, "http": http}


@pytest.mark.parametrize(
    ("raw", "where", "says"),
    [
        (_with(create_memory__verb="POST"), "http.create_memory.verb", "unknown key; allowed: method, path"),
        (_with(create_memory__method="FETCH"), "http.create_memory.method", "allowed: GET, POST"),
        (_with(create_memory__path="notes"), "http.create_memory.path", "must start with /"),
        (_with(create_memory__body={"t": "{text}"}), "http.create_memory.body", "unknown placeholder {text}"),
        (_with(search__body={"q": "{query"}), "http.search.body", "brace without its pair"),
        (_with(search__results="hits..x"), "http.search.results", "empty key"),
        (_with(search__id="x"), "http.search.id", "unknown key"),
        (_with(search__expect=[700]), "http.search.expect", "100 to 599"),
        (_with(search=None), "http", "the mix runs search but [http] has no [http.search]"),
        (_with(headers={"X-Key": "{env:MEMLOAD_SURELY_UNSET_VAR}"}), "http.headers.X-Key", "is not set"),
        (_with(headers={"X-Key": "{user_id}"}), "http.headers.X-Key", "only {env:NAME}"),
        (_with(get_memory={"path": "/n", "body": {"a": 1}}), "http.get_memory.body", "a GET sends no body"),
        ({**BASE, "http": {}}, "http", 'target = "http" needs an [http] table'),
        ({**BASE, "target": "reference"}, "http", 'describes a service for target = "http"'),
    ],
)
def test_every_key_of_the_http_table_is_checked_on_load(raw, where, says):
    raw = {k: v for k, v in raw.items() if v is not None}
    raw["http"] = {k: v for k, v in raw["http"].items() if v is not None}
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(raw, source="my.toml")
    message = str(caught.value)
    assert message.startswith(f"my.toml: {where}: "), message
    assert says in message and "\n" not in message


def test_the_example_loads_and_its_header_value_stays_out_of_the_scenario(monkeypatch):
    monkeypatch.setenv("NOTES_KEY", KEY)
    scenario = load_scenario(str(EXAMPLE))
    assert scenario.target == "http" and KEY not in repr(scenario.to_dict())
    assert set(scenario.http["operations"]) == {op for op, w in scenario.mix.items() if w > 0}


def test_every_operation_of_the_example_works_against_an_api_of_that_shape(monkeypatch):
    monkeypatch.setenv("NOTES_KEY", KEY)
    scenario = load_scenario(str(EXAMPLE))
    with NotesV2(KEY) as server:
        result = run_preflight(scenario, server.url)
        assert result.fatal is None and result.warnings == [], (result.fatal, result.warnings)
        assert {o.name for o in result.observed} == set(scenario.http["operations"])
        assert all(o.failure is None and o.status < 300 for o in result.observed), result.observed
        client = PreflightClient(server.url, timeout_s=5)
        adapter = HttpAdapter(client, options=AdapterOptions.for_scenario(scenario))
        memory_id = adapter.create_memory("u1", "I like green tea")
        assert memory_id in server.memories  # the id came from data.memory.uuid
        ids = adapter.create_memory_batch("u1", ["green tea at dawn", "black coffee"])
        assert len(ids) == 2 and set(ids) <= set(server.memories)
        adapter.search("u1", "green tea")
        assert server.requests[-1][3] == {"q": "green tea", "limit": 5}  # top_k stays a number
        assert server.sent_headers[-1]["x-notes-key"] == KEY
        assert adapter.delete_memory("u1", memory_id) is True
        adapter.get_memory("u1", memory_id)  # deleted: the service answers null
        adapter.get_memory("u2", ids[0])  # another user's note: null as well
        adapter.delete_memory("u1", memory_id)  # 404
    failures = [o.failure for o in client.observed if o.failure]
    assert failures[0] == "HTTP 200: not found (the service answered null)"
    assert len(failures) == 3 and "HTTP 404" in failures[2]


def test_an_answer_without_the_named_paths_fails_the_request(monkeypatch):
    monkeypatch.setenv("NOTES_KEY", KEY)
    scenario = load_scenario(str(EXAMPLE))
    http = {**scenario.http, "operations": dict(scenario.http["operations"])}
    http["operations"]["create_memory"] = {**http["operations"]["create_memory"], "id": "data.note.id"}
    http["operations"]["search"] = {**http["operations"]["search"], "results": "hits[0]"}
    with NotesV2(KEY) as server:
        client = PreflightClient(server.url, timeout_s=5)
        options = AdapterOptions.for_scenario(scenario)
        adapter = HttpAdapter(client, options=AdapterOptions(**{**options.__dict__, "http": http}))
        assert adapter.create_memory("u1", "green tea") is None
        adapter.search("u1", "green tea")
    assert [o.failure for o in client.observed] == [
        "HTTP 201: no id at data.note.id in the answer",
        "HTTP 200: results at hits[0] is a dict, not a list",
    ]


CHECKED = {
    **BASE,
    "mix": {"create_memory": 1, "search": 1, "get_memory": 1},
    "http": {
        "create_memory": {"path": "/notes", "body": {"text": "{content}"}, "id": "id"},
        "search": {"path": "/search", "body": {"q": "{query}"}, "results": "hits", "item_id": "uuid"},
        "get_memory": {"path": "/notes/{memory_id}", "item_id": "note.uuid", "item_user": "note.owner"},
    },
}


def _checked(enabled: object, **changes: object) -> dict:
    raw = {**CHECKED, "checks": {"enabled": enabled}}
    raw["http"] = {op: dict(spec) for op, spec in CHECKED["http"].items()}
    for key, value in changes.items():
        op, _, field = key.partition("__")
        if value is None:
            raw["http"][op].pop(field)
        else:
            raw["http"][op][field] = value
    return raw


@pytest.mark.parametrize(
    ("raw", "where", "says"),
    [
        (
            _checked(["search_hit"], search__item_id=None),
            "http.search.item_id",
            "[checks] search_hit needs it",
        ),
        (_checked(["search_hit"], create_memory__id=None), "http.create_memory.id", "search_hit needs it"),
        (_checked(["rw_lag"], get_memory__item_id=None), "http.get_memory.item_id", "rw_lag needs it"),
        (_checked(["rw_lag"], search__item_id=None), "http.search.item_id", "rw_lag needs it"),
        (_checked(["audit"], get_memory__item_id=None), "http.get_memory.item_id", "audit needs it"),
        (_checked("all", get_memory__item_user=None), "http.search.item_user", "isolation needs item_user"),
        (_checked([], search__results=None), "http.search.item_id", "name `results`"),
        (_checked([], search__item_user="hits..x"), "http.search.item_user", "empty key"),
        (_checked([], search__item_owner="x"), "http.search.item_owner", "unknown key"),
        (_checked([], create_memory__item_id="x"), "http.create_memory.item_id", "unknown key"),
    ],
)
def test_a_check_the_http_table_cannot_read_is_refused_on_load(raw, where, says):
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(raw, source="my.toml")
    message = str(caught.value)
    assert message.startswith(f"my.toml: {where}: "), message
    assert says in message and "\n" not in message


def test_checks_whose_paths_are_named_load():
    assert parse_scenario(_checked("all"), source="my.toml").checks["enabled"] == [
        "search_hit",
        "rw_lag",
        "isolation",
        "audit",
    ]
    # unknown names are [checks]' own error, after [http]'s
    with pytest.raises(ScenarioError, match=r"my.toml: checks.enabled: unknown check 'hit'"):
        parse_scenario(_checked(["hit"]), source="my.toml")


def test_found_memories_reads_the_item_paths():
    scenario = parse_scenario(
        _checked("all", search__item_user="owner", search__item_content="text"), source="x"
    )
    adapter = HttpAdapter(
        PreflightClient("http://127.0.0.1:9", timeout_s=1), options=AdapterOptions.for_scenario(scenario)
    )
    reply = {"hits": [{"uuid": "a", "owner": "u1", "text": "tea"}, {"uuid": 7, "owner": None}, "junk"]}
    assert adapter.found_memories("search", reply) == [
        FoundMemory("a", "u1", "tea"),
        FoundMemory("7", None, None),
        FoundMemory(None, None, None),
    ]
    assert adapter.found_memories("search", {"hits": {"uuid": "a"}}) is None  # not a list: unusable
    assert adapter.found_memories("get_memory", {"note": {"uuid": "b", "owner": "u2"}}) == [
        FoundMemory("b", "u2")
    ]
    assert adapter.found_memories("get_memory", None) == []  # null: not found
    assert adapter.found_memories("get_memory", {"error": {"message": "no such note"}}) == []  # a 404's body
    assert adapter.found_memories("list_memories", {"items": []}) is None  # no item paths named


def test_the_examples_answers_give_checks_the_memory_id_owner_and_text(monkeypatch):
    monkeypatch.setenv("NOTES_KEY", KEY)
    scenario = load_scenario(str(EXAMPLE))
    assert scenario.checks["enabled"] == ["search_hit", "rw_lag", "isolation", "audit"]
    with NotesV2(KEY) as server:
        adapter = HttpAdapter(
            PreflightClient(server.url, timeout_s=5), options=AdapterOptions.for_scenario(scenario)
        )
        mine = adapter.create_memory("u1", "I like green tea")
        theirs = adapter.create_memory("u2", "green tea for u2")
        assert mine and theirs
        wanted = FoundMemory(mine, "u1", "I like green tea")
        assert adapter.found_memories("search", adapter.search("u1", "green tea")) == [wanted]
        assert adapter.found_memories("list_memories", adapter.list_memories("u1", 10)) == [wanted]
        assert adapter.found_memories("get_memory", adapter.get_memory("u1", mine)) == [wanted]
        assert adapter.found_memories("get_memory", adapter.get_memory("u1", theirs)) == []  # null
        adapter.delete_memory("u1", mine)
        assert adapter.found_memories("search", adapter.search("u1", "green tea")) == []
