"""memload's reference target (``memload serve``): memories, search, OpenAI-style LLM and RAG."""

from __future__ import annotations

from typing import Any

from memload.adapters import openai_compat
from memload.adapters.base import Adapter, FoundMemory
from memload.adapters.openai_compat import StreamStats


def found_in(items: Any, *, content_key: str = "content") -> list[FoundMemory] | None:
    """Memories from a list of JSON objects with ``id``, ``user_id`` and the text under ``content_key``
    (every answer of a run goes through here when [checks] has isolation: kept to plain loads and
    positional construction, ~0.5 µs an item)."""
    if not isinstance(items, list):
        return None
    found = []
    for item in items:
        if type(item) is dict:
            memory_id, owner, text = item.get("id"), item.get("user_id"), item.get(content_key)
            found.append(
                FoundMemory(
                    memory_id if type(memory_id) is str else None,
                    owner if type(owner) is str else None,
                    text if type(text) is str else None,
                )
            )
    return found


class ReferenceAdapter(Adapter):
    """Every operation; chat and embeddings are OpenAI-compatible (memload.adapters.openai_compat)."""

    name = "reference"
    api_key_env = "MEMLOAD_TARGET_TOKEN"
    checks = frozenset({"search_hit", "rw_lag", "isolation", "audit"})

    def _memory_body(self, user_id: str, content: str) -> dict[str, Any]:
        body: dict[str, Any] = {"user_id": user_id, "content": content}
        if self.options.namespace:
            body["namespace"] = self.options.namespace
        return body

    def create_memory(self, user_id: str, content: str) -> str | None:
        reply = self.call_json(
            "POST",
            "/v1/memories",
            operation="create_memory",
            body=self._memory_body(user_id, content),
            expect=(201,),
        )
        return reply.get("id") if isinstance(reply, dict) else None

    def create_memory_batch(self, user_id: str, contents: list[str]) -> list[str]:
        body = {"items": [self._memory_body(user_id, c) for c in contents]}
        reply = self.call_json(
            "POST", "/v1/memories/batch", operation="create_memory_batch", body=body, expect=(201,)
        )
        if not isinstance(reply, dict):
            return []
        if "ids" in reply:
            return list(reply["ids"])
        return [item["id"] for item in reply.get("items", []) if isinstance(item, dict) and "id" in item]

    def get_memory(self, user_id: str, memory_id: str) -> Any:
        return self.call_json(
            "GET", f"/v1/memories/{memory_id}", operation="get_memory", params={"user_id": user_id}
        )

    def list_memories(self, user_id: str, limit: int) -> Any:
        params: dict[str, Any] = {"user_id": user_id, "limit": limit}
        if self.options.namespace:
            params["namespace"] = self.options.namespace
        return self.call_json("GET", "/v1/memories", operation="list_memories", params=params)

    def delete_memory(self, user_id: str, memory_id: str) -> bool:
        reply = self.call_json(
            "DELETE",
            f"/v1/memories/{memory_id}",
            operation="delete_memory",
            params={"user_id": user_id},
            expect=(200, 204),
        )
        return reply is not None

    def search(self, user_id: str, query: str) -> Any:
        body: dict[str, Any] = {"user_id": user_id, "query": query, "top_k": self.options.top_k}
        if self.options.namespace:
            body["namespace"] = self.options.namespace
        return self.call_json("POST", "/v1/search", operation="search", body=body)

    def found_memories(self, operation: str, reply: Any) -> list[FoundMemory] | None:
        """Search: ``{"results": [...]}``; list: ``{"memories": [...]}``; get: the memory."""
        return found_in(self.answer_items(operation, reply))

    def answer_items(self, operation: str, reply: Any) -> list[Any] | None:
        if not isinstance(reply, dict):
            return None
        items = [reply] if operation == "get_memory" else reply.get("results", reply.get("memories"))
        return items if isinstance(items, list) else None

    def llm_chat(self, messages: list[dict[str, str]]) -> StreamStats | None:
        return openai_compat.chat(self, messages, path="/v1/chat/completions")

    def embed(self, texts: list[str]) -> None:
        openai_compat.embed(self, texts, path="/v1/embeddings")

    def rag_query(self, user_id: str, question: str) -> None:
        body = {
            "user_id": user_id,
            "question": question,
            "top_k": self.options.top_k,
            "model": openai_compat.current_model(self.options),
        }
        if self.options.stream:  # streamed like a chat: rag_query gets TTFT, TPOT and tokens too
            self.stream_chat("/v1/rag/query", {**body, "stream": True}, operation="rag_query")
        else:
            self.call_json("POST", "/v1/rag/query", operation="rag_query", body=body)
