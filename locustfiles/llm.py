"""LLM workload: chat completions (streamed when the scenario says so), each asking for a model
drawn from ``[llm] models`` when the scenario gives a mix, and embeddings of ``embed_batch`` texts."""

from __future__ import annotations

from memload.loadgen.users import Operation, Tenant


def llm_chat(tenant: Tenant) -> None:
    with tenant.model_drawn():
        tenant.adapter.llm_chat(tenant.content.chat_messages())


def embed(tenant: Tenant) -> None:
    tenant.adapter.embed([tenant.content.memory() for _ in range(tenant.scenario.llm.embed_batch)])


OPERATIONS: dict[str, Operation] = {"llm_chat": llm_chat, "embed": embed}
