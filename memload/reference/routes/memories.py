"""Memory routes: create (one or a batch), get, list, delete, and search.

A memory belongs to one user: every read, delete and search is scoped by ``user_id``, and
another user's id answers 404 exactly like an unknown one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, request

from memload.reference.http import validation as v
from memload.reference.http.errors import ApiError, json_response
from memload.reference.http.limits import MAX_BATCH_ITEMS, MAX_PAGE, MAX_QUERY_CHARS, MAX_TOP_K
from memload.reference.storage.store import MemoryRecord, MemoryStore, NewMemory


def iso_utc(unix_s: float) -> str:
    return datetime.fromtimestamp(unix_s, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _summary(record: MemoryRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "user_id": record.user_id,
        "namespace": record.namespace,
        "created_at": iso_utc(record.created_at),
    }


def _full(record: MemoryRecord) -> dict[str, Any]:
    return {**_summary(record), "content": record.content, "metadata": record.metadata}


def parse_new_memory(body: dict[str, Any], prefix: str = "") -> NewMemory:
    """A memory from a request object; error fields are prefixed (``items[3].``) in a batch."""
    return NewMemory(
        user_id=v.string(body, "user_id", field=f"{prefix}user_id"),
        content=v.content(body, "content", field=f"{prefix}content"),
        namespace=v.optional_string(body, "namespace", field=f"{prefix}namespace") or "default",
        metadata=v.mapping(body, "metadata", field=f"{prefix}metadata"),
    )


def _parse_batch(body: dict[str, Any]) -> list[NewMemory]:
    items = body.get("items")
    if not isinstance(items, list):
        raise ApiError(400, "'items' must be a list of memories", field="items")
    if not 1 <= len(items) <= MAX_BATCH_ITEMS:
        raise ApiError(400, f"'items' must hold 1 to {MAX_BATCH_ITEMS} memories", field="items")
    memories = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise ApiError(400, f"'items[{i}]' must be a JSON object", field=f"items[{i}]")
        memories.append(parse_new_memory(item, prefix=f"items[{i}]."))
    return memories


def _not_found(memory_id: str) -> ApiError:
    return ApiError(404, f"no memory '{memory_id[:64]}' for this user", field="id")


def register_memory_routes(app: Flask, store: MemoryStore) -> None:
    @app.post("/v1/memories")
    def create_memory() -> Response:
        record = store.add_many([parse_new_memory(v.json_object(request))])[0]
        return json_response(_summary(record), 201)

    @app.post("/v1/memories/batch")
    def create_memory_batch() -> Response:
        records = store.add_many(_parse_batch(v.json_object(request)))
        return json_response({"ids": [r.id for r in records], "items": [_summary(r) for r in records]}, 201)

    @app.get("/v1/memories/<id>")
    def get_memory(id: str) -> Response:  # noqa: A002 - the rule's name is the route label
        record = store.get(user_id=v.query_string(request, "user_id"), memory_id=id)
        if record is None:
            raise _not_found(id)
        return json_response(_full(record))

    @app.delete("/v1/memories/<id>")
    def delete_memory(id: str) -> Response:  # noqa: A002
        if not store.delete(user_id=v.query_string(request, "user_id"), memory_id=id):
            raise _not_found(id)
        return json_response({"id": id, "deleted": True})

    @app.get("/v1/memories")
    def list_memories() -> Response:
        user_id = v.query_string(request, "user_id")
        namespace = v.optional_query_string(request, "namespace")
        limit = v.query_integer(request, "limit", default=50, minimum=1, maximum=MAX_PAGE)
        offset = v.query_integer(request, "offset", default=0, minimum=0, maximum=2**62)
        records, total = store.list_page(user_id=user_id, namespace=namespace, limit=limit, offset=offset)
        return json_response(
            {"memories": [_full(r) for r in records], "total": total, "limit": limit, "offset": offset}
        )

    @app.post("/v1/search")
    def search() -> Response:
        body = v.json_object(request)
        user_id = v.string(body, "user_id")
        query = v.string(body, "query", max_chars=MAX_QUERY_CHARS)
        top_k = v.integer(body, "top_k", default=10, minimum=1, maximum=MAX_TOP_K)
        namespace = v.optional_string(body, "namespace")
        results = store.search(user_id=user_id, query=query, top_k=top_k, namespace=namespace)
        return json_response(
            {
                "results": [
                    {"id": r.id, "user_id": r.user_id, "content": r.content, "score": r.score}
                    for r in results
                ]
            }
        )
