"""Memory workload: create (single and batch), get, list and delete a user's own memories.
Behaviour only: the adapter makes the HTTP request, Locust's request event records it."""

from __future__ import annotations

from memload.loadgen.users import LIST_LIMIT, Operation, Tenant


def create_memory(tenant: Tenant) -> None:
    text = tenant.content.memory()
    tenant.remember(tenant.adapter.create_memory(tenant.user_id, text), text)


def create_memory_batch(tenant: Tenant) -> None:
    texts = [tenant.content.memory() for _ in range(tenant.scenario.data.batch_size)]
    ids = tenant.adapter.create_memory_batch(tenant.user_id, texts)
    for memory_id, text in zip(ids, texts):
        tenant.remember(memory_id, text)


def get_memory(tenant: Tenant) -> None:
    """Reads one of the user's own memories; a user with none yet stores one first."""
    if not tenant.memory_ids:
        create_memory(tenant)
        return
    tenant.adapter.get_memory(tenant.user_id, tenant.rng.choice(tenant.memory_ids))


def list_memories(tenant: Tenant) -> None:
    tenant.adapter.list_memories(tenant.user_id, LIST_LIMIT)


def delete_memory(tenant: Tenant) -> None:
    """Deletes the user's oldest known memory; a user with none yet stores one first."""
    if not tenant.memory_ids:
        create_memory(tenant)
        return
    tenant.adapter.delete_memory(tenant.user_id, tenant.memory_ids.popleft())


OPERATIONS: dict[str, Operation] = {
    "create_memory": create_memory,
    "create_memory_batch": create_memory_batch,
    "get_memory": get_memory,
    "list_memories": list_memories,
    "delete_memory": delete_memory,
}
