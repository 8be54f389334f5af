"""A memload adapter for a made-up notes service; copy it and change the paths and bodies.

The service: POST /notes {owner, text} -> 201 {note_id}; GET /notes/{id}?owner=...;
GET /notes?owner=...&limit=...; DELETE /notes/{id}?owner=... -> 204;
POST /notes/search {owner, query, limit} -> {hits: [...]}.
Its operations are the methods below: a scenario whose [mix] asks for another one (llm_chat, say)
is refused when it loads.
"""

from __future__ import annotations

from memload import Adapter


class MyAdapter(Adapter):
    name = "notes"
    api_key_env = "MY_SERVICE_TOKEN"  # optional: its value is sent as "Authorization: Bearer ..."

    def create_memory(self, user_id: str, content: str) -> str | None:
        body = {"owner": user_id, "text": content}
        reply = self.call_json("POST", "/notes", operation="create_memory", body=body, expect=(201,))
        return reply.get("note_id") if reply else None  # the id, so that get and delete can use it

    def get_memory(self, user_id: str, memory_id: str) -> None:
        self.call_json("GET", f"/notes/{memory_id}", operation="get_memory", params={"owner": user_id})

    def list_memories(self, user_id: str, limit: int) -> None:
        params = {"owner": user_id, "limit": limit}
        self.call_json("GET", "/notes", operation="list_memories", params=params)

    def delete_memory(self, user_id: str, memory_id: str) -> bool:
        params = {"owner": user_id}
        reply = self.call_json(
            "DELETE", f"/notes/{memory_id}", operation="delete_memory", params=params, expect=(204,)
        )
        return reply is not None  # None: the request failed (and was recorded as a failure)

    def search(self, user_id: str, query: str) -> None:
        body = {"owner": user_id, "query": query, "limit": self.options.top_k}
        self.call_json("POST", "/notes/search", operation="search", body=body)
