"""LLM workload: chat completions (streamed when the scenario says so) and embeddings."""

from __future__ import annotations

from memload.loadgen.users import Operation, Tenant


def llm_chat(tenant: Tenant) -> None:
    tenant.adapter.llm_chat(tenant.content.chat_messages())


def embed(tenant: Tenant) -> None:
    tenant.adapter.embed([tenant.content.memory()])


OPERATIONS: dict[str, Operation] = {"llm_chat": llm_chat, "embed": embed}
