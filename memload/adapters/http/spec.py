"""The scenario's ``[http]`` table (``target = "http"``), checked on load; every error names the file,
the key and what is allowed. Kept as a plain dict on the Scenario (it goes into run.json as written:
header templates only, never the values of the environment variables they read).

    [http.headers]
    Authorization = "Bearer {env:NOTES_TOKEN}"   # an unset variable stops the run (exit 2)

    [http.create_memory]
    method = "POST"                              # default: POST for creates, search and rag, else GET
    path = "/v2/users/{user_id}/notes"           # placeholders percent-encoded
    query = { }                                  # query parameters (templates)
    body = { text = "{content}" }                # the JSON body (a template)
    expect = [201]                               # statuses that succeed (default per method)
    id = "data.memory.uuid"                      # where the answer holds what memload needs

    [http.search]                                # also list_memories; get_memory: paths in the answer
    results = "hits"
    item_id = "uuid"                             # in each result: what [checks] read
    item_user = "owner"
    item_content = "text"

This module imports nothing of ``memload.scenario`` at run time (the scenario package imports it):
it is handed a ``TableReader``.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from memload.adapters.http.jsonpath import parse_path
from memload.adapters.http.templates import env_names, placeholders

if TYPE_CHECKING:
    from memload.scenario.tables import TableReader

TARGET = "http"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# where one memory's id, owner and text are: in each result (search, list_memories) or in the answer
# (get_memory); what memload's [checks] read (HttpAdapter.found_memories)
ITEM_KEYS = ("item_id", "item_user", "item_content")
# operation -> (placeholders its templates may use, the answer's paths it may name)
OPERATIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "create_memory": (("user_id", "content", "namespace"), ("id",)),
    "create_memory_batch": (("user_id", "contents", "items", "namespace"), ("ids",)),
    "get_memory": (("user_id", "memory_id"), ("content", *ITEM_KEYS)),
    "list_memories": (("user_id", "limit", "namespace"), ("results", *ITEM_KEYS)),
    "delete_memory": (("user_id", "memory_id"), ()),
    "search": (("user_id", "query", "top_k", "namespace"), ("results", *ITEM_KEYS)),
    "rag_query": (("user_id", "question", "top_k", "model"), ("answer",)),
    "llm_chat": ((), ()),  # the OpenAI wire format (memload.adapters.openai_compat): path only
    "embed": ((), ()),
}
OPENAI_WIRE = ("llm_chat", "embed")
ITEM_PLACEHOLDERS = ("user_id", "content", "namespace")  # create_memory_batch's `item`
POSTS = ("create_memory", "create_memory_batch", "search", "rag_query", "llm_chat", "embed")
DEFAULT_EXPECT = {"POST": (200, 201), "PUT": (200, 201), "PATCH": (200,), "GET": (200,), "DELETE": (200, 204)}
REQUEST_KEYS = ("method", "path", "query", "body", "expect")
TOP = ("headers", *OPERATIONS)
# check -> the (operation, key) of [http] it needs; isolation needs item_user in one of ISOLATION_OPS
CHECK_NEEDS: dict[str, tuple[tuple[str, str], ...]] = {
    "search_hit": (("create_memory", "id"), ("search", "item_id")),
    "rw_lag": (("create_memory", "id"), ("get_memory", "item_id"), ("search", "item_id")),
    "audit": (("create_memory", "id"), ("get_memory", "item_id")),
}
ISOLATION_OPS = ("search", "list_memories", "get_memory")


def parse_http(reader: TableReader, *, target: str, mix: object, checks: object = None) -> dict[str, Any]:
    """The checked ``[http]`` table; {} when the target is not ``http``. ``checks``: the scenario's raw
    ``[checks]`` table; a check it enables must find in [http] the paths it reads."""
    if target != TARGET:
        if reader.raw:
            raise reader.error(
                None, f'describes a service for target = "{TARGET}"; this scenario\'s is {target!r}'
            )
        return {}
    if not reader.raw:
        raise reader.error(None, f'target = "{TARGET}" needs an [http] table: one sub-table per operation')
    reader.keys_checked(TOP)
    operations = {op: _operation(reader.table(op), op) for op in OPERATIONS if op in reader.raw}
    wanted = [
        op
        for op, w in (mix.items() if isinstance(mix, dict) else ())
        if isinstance(w, (int, float)) and w > 0
    ]
    missing = [op for op in wanted if op not in operations]
    if missing:
        raise reader.error(
            None,
            f"the mix runs {', '.join(missing)} but [http] has no "
            f"{', '.join(f'[http.{op}]' for op in missing)}; described: {', '.join(operations) or 'nothing'}",
        )
    _check_paths(reader, operations, checks)
    return {"headers": _headers(reader.table("headers")), "operations": operations}


def _check_paths(reader: TableReader, operations: dict[str, dict[str, Any]], checks: object) -> None:
    """Refuse a [checks] check that the [http] table gives no way to read (memload.checks.spec parses
    the rest of [checks]: a malformed ``enabled`` is left to it)."""
    enabled = checks.get("enabled", []) if isinstance(checks, dict) else []
    names = tuple(CHECK_NEEDS) + ("isolation",) if enabled == "all" else enabled
    if not isinstance(names, (list, tuple)):
        return
    for name in names:
        for op, key in CHECK_NEEDS.get(name, ()):
            if key not in operations.get(op, {}):
                what = "where its answer holds the new id" if key == "id" else "where the memory's id is"
                raise reader.error(
                    f"{op}.{key}", f"missing: [checks] {name} needs it ({what}); or drop {name} from enabled"
                )
        if name == "isolation" and not any("item_user" in operations.get(op, {}) for op in ISOLATION_OPS):
            raise reader.error(
                "search.item_user",
                "missing: [checks] isolation needs item_user (where a memory's owner is) in "
                f"{' or '.join(f'[http.{op}]' for op in ISOLATION_OPS)}; or drop isolation from enabled",
            )


def _headers(reader: TableReader) -> dict[str, str]:
    headers = {}
    for name in reader.raw:
        value = reader.str(name)
        try:
            names = placeholders(value)
        except ValueError as error:
            raise reader.error(name, str(error)) from None
        if any(not n.startswith("env:") for n in names):
            raise reader.error(name, "a header takes only {env:NAME} placeholders (an environment variable)")
        for variable in env_names(value):
            if variable not in os.environ:
                raise reader.error(
                    name,
                    f"environment variable {variable} is not set (export it; its value is never "
                    "written to results or logs)",
                )
        headers[name] = value
    return headers


def _operation(reader: TableReader, op: str) -> dict[str, Any]:
    allowed, answers = OPERATIONS[op]
    keys = (
        ("path",)
        if op in OPENAI_WIRE
        else (*REQUEST_KEYS, *answers, *(("item",) if op == "create_memory_batch" else ()))
    )
    reader.keys_checked(keys)
    path = reader.str("path")
    if not path.startswith("/"):
        raise reader.error("path", f"must start with /, got {path!r}")
    if op in OPENAI_WIRE:
        _check_placeholders(reader, "path", path, ())
        return {"method": "POST", "path": path}
    method = reader.str("method", default="POST" if op in POSTS else "GET").upper()
    if method not in METHODS:
        raise reader.error("method", f"unknown value {method!r}; allowed: {', '.join(METHODS)}")
    spec: dict[str, Any] = {"method": method, "path": path}
    _check_placeholders(reader, "path", path, allowed)
    for key in ("query", "body"):
        if key in reader.raw:
            if key == "query" and not isinstance(reader.raw[key], dict):
                raise reader.error(key, f"must be a table of parameter = template, got {reader.raw[key]!r}")
            _check_placeholders(reader, key, reader.raw[key], allowed)
            spec[key] = reader.raw[key]
    if "body" in spec and method == "GET":
        raise reader.error("body", "a GET sends no body; put the values in `query` or `path`")
    if op == "create_memory_batch":
        if "item" in reader.raw:
            _check_placeholders(reader, "item", reader.raw["item"], ITEM_PLACEHOLDERS)
            spec["item"] = reader.raw["item"]
        if "items" in placeholders(spec.get("body")) and "item" not in spec:
            raise reader.error(
                "body", "{items} needs an `item` template (each memory's JSON, with {content})"
            )
    spec["expect"] = _expect(reader, method)
    for key in answers:
        if key in reader.raw:
            text = reader.str(key)
            try:
                parse_path(text)
            except ValueError as error:
                raise reader.error(key, str(error)) from None
            spec[key] = text
    if "results" in answers and "results" not in spec:
        named = [key for key in ITEM_KEYS if key in spec]
        if named:
            raise reader.error(named[0], "a path inside each result: name `results` (where the list is) too")
    return spec


def _check_placeholders(reader: TableReader, key: str, template: object, allowed: tuple[str, ...]) -> None:
    try:
        names = placeholders(template)
    except ValueError as error:
        raise reader.error(key, str(error)) from None
    unknown = sorted(names - set(allowed))
    if unknown:
        raise reader.error(
            key,
            f"unknown placeholder {{{unknown[0]}}}; allowed here: "
            + (", ".join(f"{{{a}}}" for a in allowed) or "none"),
        )


def _expect(reader: TableReader, method: str) -> list[int]:
    if "expect" not in reader.raw:
        return list(DEFAULT_EXPECT[method])
    statuses = reader.int_list("expect", minimum=100)
    if any(s > 599 for s in statuses):
        raise reader.error("expect", f"HTTP statuses are 100 to 599, got {statuses!r}")
    return statuses
