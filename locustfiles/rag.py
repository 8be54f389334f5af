"""RAG workload: a question answered from the user's memories (search, then an LLM answer)."""

from __future__ import annotations

from memload.loadgen.users import Operation, Tenant


def rag_query(tenant: Tenant) -> None:
    with tenant.model_drawn():  # a mix of [llm] models applies to RAG answers too
        tenant.adapter.rag_query(tenant.user_id, tenant.content.question())


OPERATIONS: dict[str, Operation] = {"rag_query": rag_query}
