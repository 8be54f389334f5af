"""mem0, either of its two HTTP APIs (the scenario's ``[mem0] api``, memload.scenario.targets):

- ``oss``: the self-hosted REST server, mem0's ``server/main.py`` (followed at mem0ai/mem0 commit
  07e58c54ae25, the mem0ai 2.2.1 core behind it). Auth: an API key in ``X-API-Key`` (the server
  reads ``Authorization: Bearer`` as a JWT, which a key is not). Routes: ``POST /memories``,
  ``GET /memories?user_id=&top_k=``, ``GET|DELETE /memories/{id}``, ``POST /search``. A get of a
  missing id answers ``200 null``.
- ``platform``: the hosted API as mem0's own client (``mem0/client/main.py``, same commit) calls it.
  Auth: ``Authorization: Token <key>``. Routes: ``POST /v3/memories/add/`` (asynchronous when it
  infers: ``{"event_id", "status": "PENDING"}``), ``GET /v1/event/{id}/``, ``POST /v3/memories/``
  (list, ``page_size``), ``POST /v3/memories/search/``, ``GET|DELETE /v1/memories/{id}/``.

Search and list scope to the user in ``filters`` (top-level ``user_id`` is deprecated by the OSS
server and refused by the platform's v3). The key comes from the environment variable the table
names (``MEM0_API_KEY``), never from the scenario."""

from __future__ import annotations

import os
import time
from typing import Any

from memload.adapters.base import Adapter, AdapterOptions, FoundMemory, HttpClient
from memload.adapters.reference import found_in

POLL_OPERATION = "create_memory_poll"  # each GET /v1/event/{id}/
COMPLETED_OPERATION = "create_memory_completed"  # from the add's start to its event's end
PENDING = ("PENDING", "RUNNING")


def memory_ids(reply: Any) -> list[str]:
    """Every memory id an add (or a finished add event) returned: ``{"results": [...]}`` or a bare
    list, each item with ``id`` (or ``memory_id``); there can be several, or none."""
    items = reply.get("results") if isinstance(reply, dict) else reply
    ids = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            found = item.get("id", item.get("memory_id"))
            if isinstance(found, str) and found:
                ids.append(found)
    return ids


def _not_null(reply: Any) -> str | None:
    return "not found (the service answered null)" if reply is None else None


class Mem0Adapter(Adapter):
    name = "mem0"
    api_key_env = None  # mem0's schemes are not a bearer token: see __init__
    # answers carry id, user_id and the text ("memory"); the platform's add gives ids only when polled
    checks = frozenset({"search_hit", "rw_lag", "isolation", "audit"})

    def __init__(self, client: HttpClient, *, options: AdapterOptions) -> None:
        super().__init__(client, options=options)
        self.mem0 = options.mem0
        self.platform = self.mem0.api == "platform"
        key = os.environ.get(self.mem0.key_env)
        # what the preflight adds to a 401/403 (memload.adapters.preflight)
        self.auth_hint = "" if key else f"{self.mem0.key_env} is not set"
        if key:
            if self.platform:
                self.headers["Authorization"] = f"Token {key}"
            else:
                self.headers["X-API-Key"] = key

    # -- routes ---------------------------------------------------------------------------------
    def _memory_path(self, memory_id: str) -> str:
        return f"/v1/memories/{memory_id}/" if self.platform else f"/memories/{memory_id}"

    def create_memory(self, user_id: str, content: str) -> list[str]:
        body = {
            "messages": [{"role": "user", "content": content}],
            "user_id": user_id,
            "infer": self.mem0.infer,
        }
        path = "/v3/memories/add/" if self.platform else "/memories"
        started = time.perf_counter()
        reply = self.call_json("POST", path, operation="create_memory", body=body, expect=(200, 201))
        ids = memory_ids(reply)
        event_id = reply.get("event_id") if isinstance(reply, dict) else None
        if self.mem0.poll and isinstance(event_id, str) and not ids:
            ids = self._poll(event_id, started)
        return ids

    def get_memory(self, user_id: str, memory_id: str) -> Any:
        return self.call_json("GET", self._memory_path(memory_id), operation="get_memory", check=_not_null)

    def list_memories(self, user_id: str, limit: int) -> Any:
        if self.platform:
            body = {"filters": {"user_id": user_id}}
            params = {"page": 1, "page_size": limit}
            return self.call_json(
                "POST", "/v3/memories/", operation="list_memories", body=body, params=params
            )
        query: dict[str, Any] = {"user_id": user_id, "top_k": limit}
        return self.call_json("GET", "/memories", operation="list_memories", params=query)

    def delete_memory(self, user_id: str, memory_id: str) -> bool:
        reply = self.call_json("DELETE", self._memory_path(memory_id), operation="delete_memory")
        return reply is not None

    def search(self, user_id: str, query: str) -> Any:
        body = {"query": query, "filters": {"user_id": user_id}, "top_k": self.options.top_k}
        path = "/v3/memories/search/" if self.platform else "/search"
        return self.call_json("POST", path, operation="search", body=body)

    def found_memories(self, operation: str, reply: Any) -> list[FoundMemory] | None:
        """A memory is ``{"id", "memory", "user_id", ...}``; search and list answer a list of them,
        bare or under ``results``; get answers one."""
        return found_in(self.answer_items(operation, reply), content_key="memory")

    def answer_items(self, operation: str, reply: Any) -> list[Any] | None:
        if operation == "get_memory":
            return [reply] if isinstance(reply, dict) else None
        items = reply.get("results") if isinstance(reply, dict) else reply
        return items if isinstance(items, list) else None

    # -- the platform's asynchronous add --------------------------------------------------------
    def _poll(self, event_id: str, started_perf_s: float) -> list[str]:
        """Poll the add's event until it ends; its time to completion is a request of its own."""
        deadline = started_perf_s + self.mem0.poll_timeout_s
        while True:
            time.sleep(self.mem0.poll_interval_s)  # gevent's sleep inside Locust (monkey-patched)
            event = self.call_json("GET", f"/v1/event/{event_id}/", operation=POLL_OPERATION)
            status = event.get("status") if isinstance(event, dict) else None
            if status in PENDING and time.perf_counter() < deadline:
                continue
            error = None
            if event is None:
                error = "polling failed (see create_memory_poll)"
            elif status in PENDING:
                error = f"still {status} after {self.mem0.poll_timeout_s:g} s (poll_timeout)"
            elif status != "SUCCEEDED":
                error = f"event ended {status!r}"
            self._completed(started_perf_s, error)
            return memory_ids(event) if error is None else []

    def _completed(self, started_perf_s: float, error: str | None) -> None:
        """A request event ``create_memory_completed`` (type EVENT) timed from the add's start, on
        the client's request event (Locust's FastHttpSession and memload's preflight client have one)."""
        request_event = getattr(self.client, "request_event", None)
        if request_event is None:
            return
        request_event.fire(
            request_type="EVENT",
            name=COMPLETED_OPERATION,
            response_time=(time.perf_counter() - started_perf_s) * 1000.0,
            response_length=0,
            exception=None if error is None else RuntimeError(error),
            context={},
        )
