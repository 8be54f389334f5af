"""LLM workload: chat completions (streamed when the scenario says so) and embeddings."""
from __future__ import annotations

from memload.loadgen import MemloadUser


def llm_chat(user: MemloadUser) -> None:
    user.adapter.llm_chat(user.content.chat_messages())


def embed(user: MemloadUser) -> None:
    user.adapter.embed([user.content.memory()])


OPERATIONS = {"llm_chat": llm_chat, "embed": embed}
