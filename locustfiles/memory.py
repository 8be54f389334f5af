"""Memory workload: create (single and batch), get, list and delete a user's own memories.
Behaviour only: the adapter makes the HTTP request, Locust's request event records it."""
from __future__ import annotations

from memload.loadgen import LIST_LIMIT, MemloadUser


def create_memory(user: MemloadUser) -> None:
    text = user.content.memory()
    user.remember(user.adapter.create_memory(user.user_id, text), text)


def create_memory_batch(user: MemloadUser) -> None:
    texts = [user.content.memory() for _ in range(user.scenario.data.batch_size)]
    ids = user.adapter.create_memory_batch(user.user_id, texts)
    for memory_id, text in zip(ids, texts):
        user.remember(memory_id, text)


def get_memory(user: MemloadUser) -> None:
    """Reads one of the user's own memories; a user with none yet stores one first."""
    if not user.memory_ids:
        create_memory(user)
        return
    user.adapter.get_memory(user.user_id, user.rng.choice(user.memory_ids))


def list_memories(user: MemloadUser) -> None:
    user.adapter.list_memories(user.user_id, LIST_LIMIT)


def delete_memory(user: MemloadUser) -> None:
    """Deletes the user's oldest known memory; a user with none yet stores one first."""
    if not user.memory_ids:
        create_memory(user)
        return
    user.adapter.delete_memory(user.user_id, user.memory_ids.popleft())


OPERATIONS = {
    "create_memory": create_memory,
    "create_memory_batch": create_memory_batch,
    "get_memory": get_memory,
    "list_memories": list_memories,
    "delete_memory": delete_memory,
}
