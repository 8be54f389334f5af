"""memload's reference target (``memload serve``): memories, search, OpenAI-style LLM and RAG."""

from __future__ import annotations

from typing import Any

from memload.adapters.base import Adapter
from memload.adapters.sse import StreamStats
from memload.scenario.figures import OPERATIONS


class ReferenceAdapter(Adapter):
    name = "reference"
    operations = frozenset(OPERATIONS)
    api_key_env = "MEMLOAD_TARGET_TOKEN"

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

    def get_memory(self, user_id: str, memory_id: str) -> None:
        self.call_json(
            "GET", f"/v1/memories/{memory_id}", operation="get_memory", params={"user_id": user_id}
        )

    def list_memories(self, user_id: str, limit: int) -> None:
        params: dict[str, Any] = {"user_id": user_id, "limit": limit}
        if self.options.namespace:
            params["namespace"] = self.options.namespace
        self.call_json("GET", "/v1/memories", operation="list_memories", params=params)

    def delete_memory(self, user_id: str, memory_id: str) -> bool:
        reply = self.call_json(
            "DELETE",
            f"/v1/memories/{memory_id}",
            operation="delete_memory",
            params={"user_id": user_id},
            expect=(200, 204),
        )
        return reply is not None

    def search(self, user_id: str, query: str) -> None:
        body: dict[str, Any] = {"user_id": user_id, "query": query, "top_k": self.options.top_k}
        if self.options.namespace:
            body["namespace"] = self.options.namespace
        self.call_json("POST", "/v1/search", operation="search", body=body)

    def llm_chat(self, messages: list[dict[str, str]]) -> StreamStats | None:
        return openai_chat(self, messages, path="/v1/chat/completions")

    def embed(self, texts: list[str]) -> None:
        openai_embed(self, texts, path="/v1/embeddings")

    def rag_query(self, user_id: str, question: str) -> None:
        body = {
            "user_id": user_id,
            "question": question,
            "top_k": self.options.top_k,
            "model": self.options.model,
        }
        self.call_json("POST", "/v1/rag/query", operation="rag_query", body=body)


def openai_chat(adapter: Adapter, messages: list[dict[str, str]], *, path: str) -> StreamStats | None:
    """An OpenAI chat completion, streamed (with usage) or not, named ``llm_chat``."""
    options = adapter.options
    body: dict[str, Any] = {
        "model": options.model,
        "messages": messages,
        "max_tokens": options.max_tokens,
        "temperature": options.temperature,
        "stream": options.stream,
    }
    if options.stream:
        body["stream_options"] = {"include_usage": True}
        return adapter.stream_chat(path, body, operation="llm_chat")
    adapter.call_json("POST", path, operation="llm_chat", body=body)
    return None


def openai_embed(adapter: Adapter, texts: list[str], *, path: str) -> None:
    body = {"model": adapter.options.embed_model, "input": texts if len(texts) > 1 else texts[0]}
    adapter.call_json("POST", path, operation="embed", body=body)
