"""The operations of the memory and search workloads with the scenario's checks around them.

Each does what the plain operation (memload.locustfiles.memory, .search) does, with the same
requests under the same names, and looks at what came back:

- a create remembers (id, text) for the tenant and who owns the id, logs the acknowledged write
  for the audit, and hands a sampled share to the read-your-writes poller (memload.checks.rw);
- a share of searches asks for the exact text of one of the tenant's acknowledged memories and
  records whether that memory is in the top k and its rank (self-retrieval hit@k);
- every search, list and get answer is checked to hold the tenant's memories only: an answer with
  a memory whose owner (as the answer says it, or as this process knows from the creates it saw)
  is another user is a violation, counted, and the first ones kept with request and answer.
"""

from __future__ import annotations

import json
import random
import time
from collections import OrderedDict
from collections.abc import Callable
from itertools import repeat
from typing import TYPE_CHECKING, Any

from memload.adapters.base import LIST_LIMIT, FoundMemory
from memload.checks import spec as S
from memload.checks.state import CheckState, clip
from memload.scenario import Scenario

if TYPE_CHECKING:  # imported by the locustfile; tests use it without Locust
    from memload.loadgen.users import Operation, Tenant

OWN_PER_TENANT = 256  # acknowledged (id, text) a tenant picks self-retrieval queries from
KNOWN_OWNERS = 200_000  # ids whose owner this process remembers (oldest forgotten first)


class OwnMemories:
    """The newest ``OWN_PER_TENANT`` acknowledged memories of a tenant still there (id -> text), with
    a random one drawn in constant time: a ring of ids (a slot's old id is forgotten when a new one
    takes it) and the texts by id (a deleted id leaves the texts; its slot is skipped when drawn)."""

    def __init__(self, size: int = OWN_PER_TENANT) -> None:
        self.ring: list[str] = []
        self.texts: dict[str, str] = {}
        self.size, self.next_slot = size, 0

    def __len__(self) -> int:
        return len(self.texts)

    def add(self, memory_id: str, text: str) -> None:
        if memory_id in self.texts:
            self.texts[memory_id] = text
            return
        if len(self.ring) < self.size:
            self.ring.append(memory_id)
        else:
            self.texts.pop(self.ring[self.next_slot], None)
            self.ring[self.next_slot] = memory_id
            self.next_slot = (self.next_slot + 1) % self.size
        self.texts[memory_id] = text

    def remove(self, memory_id: str) -> None:
        self.texts.pop(memory_id, None)

    def draw(self, rng: random.Random) -> tuple[str, str] | None:
        """A random memory still there (None when there is none)."""
        for _ in range(8):  # deleted slots are skipped; after 8 misses, look through them all
            if not self.texts:
                return None
            memory_id = self.ring[rng.randrange(len(self.ring))]
            if memory_id in self.texts:
                return memory_id, self.texts[memory_id]
        memory_id = rng.choice(list(self.texts))
        return memory_id, self.texts[memory_id]


class Checker:
    """The checks of one Locust process: its state, the ids it saw created, its own random draws."""

    def __init__(self, scenario: Scenario, state: CheckState) -> None:
        options = scenario.checks
        self.scenario, self.state, self.options = scenario, state, options
        self.enabled = frozenset(options.get("enabled", ()))
        self.k = int(options.get("hit_k") or scenario.data.top_k)
        self.rng = random.Random(f"checks:{scenario.seed}")
        self.owners: OrderedDict[str, str] = OrderedDict()
        self.poller: Any = None  # memory ids to poll until visible (memload.checks.rw.Poller)

    # -- what the tenant stored -----------------------------------------------------------------
    @staticmethod
    def own(tenant: Tenant) -> OwnMemories:
        """The tenant's acknowledged memories still there (the newest OWN_PER_TENANT)."""
        mine = tenant.__dict__.get("_checks_own")
        if mine is None:
            mine = tenant.__dict__["_checks_own"] = OwnMemories()
        return mine

    def created(self, tenant: Tenant, memory_id: str | None, text: str) -> None:
        if not memory_id:
            return
        self.own(tenant).add(memory_id, text)
        self.owners[memory_id] = tenant.user_id
        if len(self.owners) > KNOWN_OWNERS:
            self.owners.popitem(last=False)
        if "audit" in self.enabled:
            self.state.wrote("create", tenant.user_id, memory_id)
        if self.poller is not None and self.rng.random() < self.options["rw_sample"] and self.poller.admits():
            self.poller.start(tenant, memory_id, text)

    def deleted(self, tenant: Tenant, memory_id: str) -> None:
        self.own(tenant).remove(memory_id)
        if "audit" in self.enabled:
            self.state.wrote("delete", tenant.user_id, memory_id)

    # -- what came back -------------------------------------------------------------------------
    def foreign(self, tenant: Tenant, found: list[FoundMemory]) -> list[FoundMemory]:
        """The memories of an answer that belong to another user, as far as memload can tell."""
        user, owner_of = tenant.user_id, self.owners.get
        return [
            m
            for m in found
            if (m.user_id is not None and m.user_id != user)
            or (m.id is not None and owner_of(m.id, user) != user)
        ]

    def clean_at_a_glance(self, user: str, items: list[Any] | None) -> bool:
        """True when every item of the answer is a JSON object whose ``user_id`` is ``user`` or
        absent and whose ``id`` is none this process saw another user create: the common case,
        decided in C loops (map over dict.get) rather than item by item. False: look closer."""
        if items is None:
            return False
        try:
            owners: set[Any] = set(map(dict.get, items, repeat("user_id")))
            owner_of: Callable[[Any], Any] = self.owners.get
            known: set[Any] = set(map(owner_of, map(dict.get, items, repeat("id"))))
        except TypeError:  # an item that is not an object, or an id that is not hashable
            return False
        allowed = {user, None}
        return owners <= allowed and known <= allowed

    def inspect(self, tenant: Tenant, operation: str, request: dict[str, Any], reply: Any) -> None:
        """Tenant isolation of one answer (a failed request is not checked)."""
        if "isolation" not in self.enabled or reply is None:
            return
        state = self.state
        if self.clean_at_a_glance(tenant.user_id, tenant.adapter.answer_items(operation, reply)):
            state.count(S.per_operation(S.CK_ISOLATION_CHECKED, operation))
            return
        found = tenant.adapter.found_memories(operation, reply)
        if found is None:
            return
        state.count(S.per_operation(S.CK_ISOLATION_CHECKED, operation))
        foreign = self.foreign(tenant, found)
        if not foreign:
            return
        state.count(S.per_operation(S.CK_ISOLATION_VIOLATIONS, operation))
        state.example(
            {
                "unix_s": round(time.time(), 3),
                "operation": operation,
                "user_id": tenant.user_id,
                "request": request,
                "foreign": [{"id": m.id, "user_id": m.user_id} for m in foreign],
                "answer": clip(json.dumps(reply, default=str)),
            }
        )

    def wants_self_retrieval(self, tenant: Tenant) -> tuple[str, str] | None:
        if "search_hit" not in self.enabled or self.rng.random() >= self.options["search_share"]:
            return None
        return self.own(tenant).draw(self.rng)

    def retrieved(self, tenant: Tenant, memory_id: str, reply: Any) -> None:
        """Where the asked-for memory came in a self-retrieval search's answer."""
        found = tenant.adapter.found_memories("search", reply) if reply is not None else None
        if found is None:
            return
        ids = [m.id for m in found]
        rank = ids.index(memory_id) + 1 if memory_id in ids else 0
        state = self.state
        state.count(S.CK_SEARCH_CHECKED)
        if rank == 1:
            state.count(S.CK_SEARCH_HIT_1)
        if 0 < rank <= self.k:
            state.count(S.CK_SEARCH_HIT_K)
            state.count(S.CK_SEARCH_RR, round(1_000_000 / rank))


def checked_operations(operations: dict[str, Operation], checker: Checker) -> dict[str, Operation]:
    """``operations`` with the memory and search ones replaced by their checked versions."""

    def create_memory(tenant: Tenant) -> None:
        text = tenant.content.memory()
        ids = tenant.adapter.create_memory(tenant.user_id, text)
        tenant.remember(ids, text)
        for memory_id in [ids] if isinstance(ids, str) else ids or ():
            checker.created(tenant, memory_id, text)

    def create_memory_batch(tenant: Tenant) -> None:
        texts = [tenant.content.memory() for _ in range(tenant.scenario.data.batch_size)]
        ids = tenant.adapter.create_memory_batch(tenant.user_id, texts)
        for memory_id, text in zip(ids, texts):
            tenant.remember(memory_id, text)
            checker.created(tenant, memory_id, text)

    def get_memory(tenant: Tenant) -> None:
        if not tenant.memory_ids:
            create_memory(tenant)
            return
        memory_id = tenant.rng.choice(tenant.memory_ids)
        reply = tenant.adapter.get_memory(tenant.user_id, memory_id)
        checker.inspect(tenant, "get_memory", {"id": memory_id}, reply)

    def list_memories(tenant: Tenant) -> None:
        reply = tenant.adapter.list_memories(tenant.user_id, LIST_LIMIT)
        checker.inspect(tenant, "list_memories", {"limit": LIST_LIMIT}, reply)

    def delete_memory(tenant: Tenant) -> None:
        if not tenant.memory_ids:
            create_memory(tenant)
            return
        memory_id = tenant.memory_ids.popleft()
        if tenant.adapter.delete_memory(tenant.user_id, memory_id):
            checker.deleted(tenant, memory_id)

    def search(tenant: Tenant) -> None:
        wanted = checker.wants_self_retrieval(tenant)
        if wanted is not None:
            reply = tenant.adapter.search(tenant.user_id, wanted[1])
            checker.retrieved(tenant, wanted[0], reply)
            checker.inspect(tenant, "search", {"query": wanted[1]}, reply)
            return
        known_share = tenant.scenario.data.known_query_share
        if tenant.texts and tenant.rng.random() < known_share:
            query = tenant.content.query_from(tenant.rng.choice(tenant.texts))
        else:
            query = tenant.content.fresh_query()
        checker.inspect(tenant, "search", {"query": query}, tenant.adapter.search(tenant.user_id, query))

    checked = {
        "create_memory": create_memory,
        "create_memory_batch": create_memory_batch,
        "get_memory": get_memory,
        "list_memories": list_memories,
        "delete_memory": delete_memory,
        "search": search,
    }
    return {name: checked.get(name, operation) for name, operation in operations.items()}
