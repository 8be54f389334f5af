"""Test doubles of mem0's two HTTP APIs, each following mem0's source route by route (auth, status
codes and bodies), at mem0ai/mem0 commit 07e58c54ae25bea8e97c33d428d3c59cb5dcbae7 (2026-08-22), with
the mem0ai 2.2.1 core (PyPI) behind the OSS server. The OSS one is checked against mem0's real
server by tests/run/test_mem0_server.py (slow, with the mem0-server extra): same requests, same
outcomes.

- ``Mem0OssServer``: ``server/main.py`` + ``server/auth.py`` + ``server/errors.py`` with the
  ``mem0.Memory`` core. Auth on, as the server starts by default: ``X-API-Key`` equal to
  ``ADMIN_API_KEY`` passes; any other key is looked up and refused (401 ``Invalid API key.``); a
  ``Bearer`` token is decoded as a JWT, which an API key is not (401 ``Invalid or expired token.``);
  nothing at all is 401 ``Authentication required. ...``. Every answer carries ``X-Request-ID`` (8 hex
  digits). (An upstream failure, LLM or vector store, is 502 ``{"detail", "code", "request_id"}``:
  not imitated; tests/run/test_mem0_runs.py has a server that answers so.)
- ``Mem0PlatformServer``: ``api.mem0.ai`` as ``mem0/client/main.py`` calls it and ``docs/openapi.json``
  describes it: ``Authorization: Token <key>``; the v3 add is asynchronous when it infers.

The core's "LLM extraction" (``infer``) is imitated: each sentence of a message is one fact (one
memory, so an add can return several ids, or none for text without a sentence).
"""

from __future__ import annotations

import re
import time
import uuid

from fakes import JSON_NULL, FakeService

MEM0_COMMIT = "07e58c54ae25bea8e97c33d428d3c59cb5dcbae7"
ENTITIES = ("user_id", "agent_id", "run_id")


def facts(text: str, *, infer: bool) -> list[str]:
    """What the core stores of a message: the text as it is, or (infer) one fact per sentence."""
    if not infer:
        return [text]
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.strip().split()) >= 3]


class _Mem0Store(FakeService):
    def __init__(self) -> None:
        super().__init__()
        self.deprecated_top_level = 0  # searches that sent user_id outside filters

    def _add(self, entities: dict, text: str, *, infer: bool) -> list[dict]:
        added = []
        for fact in facts(text, infer=infer):
            memory_id = str(uuid.uuid4())
            self.memories[memory_id] = {"id": memory_id, "memory": fact, **entities}
            added.append({"id": memory_id, "memory": fact, "event": "ADD"})
        return added

    def _scoped(self, filters: dict, limit: int) -> list[dict]:
        return [
            m for m in self.memories.values() if all(m.get(k) == v for k, v in filters.items() if k in ENTITIES)
        ][:limit]

    def _search(self, query: str, filters: dict, limit: int) -> list[dict]:
        words = set(query.lower().split())
        hits = [dict(m, score=len(words & set(m["memory"].lower().split()))) for m in self._scoped(filters, 10**6)]
        return sorted(hits, key=lambda m: -m["score"])[:limit]


class Mem0OssServer(_Mem0Store):
    """mem0's self-hosted REST server (server/main.py), auth on."""

    def __init__(self, admin_key: str = "memload-admin-key-0123456789") -> None:
        super().__init__()
        self.admin_key = admin_key
        self.request_ids: list[str] = []

    def route(self, method: str, path: str, query: dict, body: object) -> tuple:
        request_id = uuid.uuid4().hex[:8]  # errors.new_request_id
        self.request_ids.append(request_id)
        headers = {"X-Request-ID": request_id}
        refused = self._auth()
        if refused:
            return refused[0], refused[1], {**headers, **refused[2]}
        status, payload = self._route(method, path, query, body)
        return status, payload, headers

    def _auth(self) -> tuple[int, dict, dict] | None:
        """auth.verify_auth: a Bearer token first (a JWT), then X-API-Key, else 401."""
        authorization = self.request_headers.get("authorization", "")
        if authorization.lower().startswith("bearer "):
            return 401, {"detail": "Invalid or expired token."}, {}  # decode_token: not a JWT
        key = self.request_headers.get("x-api-key")
        if key is not None:
            return None if key == self.admin_key else (401, {"detail": "Invalid API key."}, {})
        detail = "Authentication required. Provide a Bearer token or X-API-Key header."
        return 401, {"detail": detail}, {"WWW-Authenticate": "Bearer"}

    def _route(self, method: str, path: str, query: dict, body: object) -> tuple[int, object]:
        if method == "POST" and path == "/memories":
            if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
                return 422, {"detail": [{"type": "missing", "loc": ["body", "messages"], "msg": "Field required"}]}
            entities = {k: body[k] for k in ENTITIES if body.get(k)}
            if not entities:
                return 400, {"detail": "At least one identifier (user_id, agent_id, run_id) is required."}
            infer = body.get("infer") is not False  # None: the core's default, True
            text = " ".join(m["content"] for m in body["messages"])
            return 200, {"results": self._add(entities, text, infer=infer)}
        if method == "GET" and path == "/memories":
            top_k = int(query.get("top_k", 20))  # get_all's default
            if not 0 <= top_k <= 1000:
                return 422, {"detail": [{"loc": ["query", "top_k"], "msg": "out of range"}]}
            filters = {k: query[k] for k in ENTITIES if query.get(k)}
            return 200, {"results": self._scoped(filters, top_k) if filters else list(self.memories.values())}
        if path.startswith("/memories/") and path.count("/") == 2 and path != "/memories/":
            memory_id = path.rsplit("/", 1)[1]
            memory = self.memories.get(memory_id)
            if method == "GET":
                return 200, JSON_NULL if memory is None else memory  # Memory.get: None when missing
            if method == "DELETE":
                if memory is None:  # Memory.delete raises ValueError("... not found") -> _client_error: 404
                    return 404, {"detail": f"Memory with id {memory_id} not found"}
                del self.memories[memory_id]
                return 200, {"message": "Memory deleted successfully"}
        if method == "POST" and path == "/search" and isinstance(body, dict):
            filters = dict(body.get("filters") or {})
            for key in ENTITIES:
                if body.get(key):
                    filters[key] = body[key]
                    self.deprecated_top_level += 1
            if not any(filters.get(k) for k in ENTITIES):  # Memory.search's ValueError: 400
                return 400, {"detail": "filters must contain at least one of: user_id, agent_id, run_id. "
                                       "Example: filters={'user_id': 'u1'}"}
            return 200, {"results": self._search(body["query"], filters, int(body.get("top_k") or 20))}
        return 404, {"detail": "Not Found"}


class Mem0PlatformServer(_Mem0Store):
    """The mem0 platform (api.mem0.ai) as its current client calls it; an add that infers is done
    ``event_delay_s`` after it was accepted."""

    def __init__(self, api_key: str = "m0-memload-test-key", event_delay_s: float = 0.2) -> None:
        super().__init__()
        self.api_key = api_key
        self.event_delay_s = event_delay_s
        self.events: dict[str, dict] = {}

    def route(self, method: str, path: str, query: dict, body: object) -> tuple:
        if self.request_headers.get("authorization") != f"Token {self.api_key}":
            return 401, {"detail": "Invalid API key. You can find your API key on https://app.mem0.ai/dashboard/api-keys."}
        return self._route(method, path, query, body if isinstance(body, dict) else {})

    def _route(self, method: str, path: str, query: dict, body: dict) -> tuple[int, object]:
        if method == "POST" and path == "/v3/memories/add/":
            entities = {k: body[k] for k in ENTITIES if body.get(k)}
            if not isinstance(body.get("messages"), list) or not entities:
                return 400, {"error": "400 Bad Request", "details": {"message": "Invalid input data."}}
            text = " ".join(m["content"] for m in body["messages"])
            if body.get("infer") is False:  # synchronous, stored as it is
                added = [{"id": a["id"], "data": {"memory": a["memory"]}, "event": "ADD"}
                         for a in self._add(entities, text, infer=False)]
                return 200, {"message": "Memories added", "status": "SUCCEEDED", "results": added}
            event_id = str(uuid.uuid4())
            self.events[event_id] = {"id": event_id, "event_type": "ADD", "status": "PENDING", "payload": body,
                                     "results": [], "done_at": time.monotonic() + self.event_delay_s,
                                     "entities": entities, "text": text}
            return 200, {"event_id": event_id, "status": "PENDING"}
        if method == "GET" and (match := re.fullmatch(r"/v1/event/([^/]+)/", path)):
            event = self.events.get(match[1])
            if event is None:
                return 404, {"error": "Event not found or you don't have permission to access it."}
            if event["status"] == "PENDING" and time.monotonic() >= event["done_at"]:
                added = self._add(event["entities"], event["text"], infer=True)
                event.update(status="SUCCEEDED", results=[{"id": a["id"], "data": {"memory": a["memory"]},
                                                           "event": "ADD"} for a in added])
            return 200, {k: v for k, v in event.items() if k not in ("done_at", "entities", "text")}
        if method == "POST" and path in ("/v3/memories/", "/v3/memories/search/"):
            if any(k in body for k in ENTITIES) or not any((body.get("filters") or {}).get(k) for k in ENTITIES):
                return 400, {"error": "Entity IDs must be passed inside filters."}
            if path == "/v3/memories/search/":
                if not body.get("query"):
                    return 400, {"error": "query is required"}
                return 200, {"results": self._search(body["query"], body["filters"], int(body.get("top_k") or 10))}
            size = int(query.get("page_size", 100))
            found = self._scoped(body["filters"], 10**6)
            return 200, {"count": len(found), "next": None, "previous": None, "results": found[:size]}
        if match := re.fullmatch(r"/v1/memories/([^/]+)/", path):
            memory_id = match[1]
            try:
                uuid.UUID(memory_id)
            except ValueError:
                return 400, {"error": "memory_id should be a valid UUID"}
            if memory_id not in self.memories:
                return 404, {"error": "Memory not found!"}
            if method == "DELETE":
                del self.memories[memory_id]
                return 200, {"message": "Memory deleted successfully!"}
            if method == "GET":
                return 200, self.memories[memory_id]
        return 404, {"error": "Not found"}


# One pass over every operation against an OSS server (the double or mem0's own): what each request
# must come to, as (operation, status, failed) -> count. get and delete after the delete are a
# failure each: 200 null ("not found") and 404.
OSS_SEQUENCE_OUTCOMES = {
    ("create_memory", 200, False): 1, ("get_memory", 200, False): 1, ("list_memories", 200, False): 1,
    ("search", 200, False): 1, ("delete_memory", 200, False): 1,
    ("get_memory", 200, True): 1, ("delete_memory", 404, True): 1,
}


def oss_sequence(adapter, user: str = "u1") -> list[str]:
    """Every operation once, then a get and a delete of the deleted memory; the ids the add returned."""
    ids = adapter.create_memory(user, "I like green tea and live near the sea.")
    adapter.get_memory(user, ids[0])
    adapter.list_memories(user, 7)
    adapter.search(user, "green tea")
    adapter.delete_memory(user, ids[0])
    adapter.get_memory(user, ids[0])
    adapter.delete_memory(user, ids[0])
    return ids
