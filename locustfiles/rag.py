"""RAG workload: a question answered from the user's memories (search, then an LLM answer)."""
from __future__ import annotations

from memload.loadgen import MemloadUser


def rag_query(user: MemloadUser) -> None:
    user.adapter.rag_query(user.user_id, user.content.question())


OPERATIONS = {"rag_query": rag_query}
