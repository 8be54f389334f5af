"""mem0's REST server (``mem0/server/main.py``): POST /memories with messages and user_id,
POST /search with query and filters, GET /memories, GET and DELETE /memories/{id}.
A bearer token, when the deployment wants one, comes from MEM0_API_KEY."""

from __future__ import annotations

from typing import Any

from memload.adapters.base import Adapter


class Mem0Adapter(Adapter):
    name = "mem0"
    api_key_env = "MEM0_API_KEY"

    def create_memory(self, user_id: str, content: str) -> str | None:
        body = {"messages": [{"role": "user", "content": content}], "user_id": user_id}
        reply = self.call_json("POST", "/memories", operation="create_memory", body=body, expect=(200, 201))
        results = (
            reply.get("results", []) if isinstance(reply, dict) else reply if isinstance(reply, list) else []
        )
        ids = [item["id"] for item in results if isinstance(item, dict) and "id" in item]
        return ids[0] if ids else None

    def get_memory(self, user_id: str, memory_id: str) -> None:
        self.call_json("GET", f"/memories/{memory_id}", operation="get_memory")

    def list_memories(self, user_id: str, limit: int) -> None:
        self.call_json("GET", "/memories", operation="list_memories", params={"user_id": user_id})

    def delete_memory(self, user_id: str, memory_id: str) -> bool:
        return self.call_json("DELETE", f"/memories/{memory_id}", operation="delete_memory") is not None

    def search(self, user_id: str, query: str) -> None:
        body: dict[str, Any] = {"query": query, "user_id": user_id, "filters": {"user_id": user_id}}
        self.call_json("POST", "/search", operation="search", body=body)
