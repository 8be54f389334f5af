"""A memory store that breaks correctness on purpose (issue 20), so memload's checks can be shown to
see it: ``memload serve --index-delay-ms --cross-tenant-leak-rate --write-drop-rate
--stale-cache-rate`` (memload.reference.faults.FaultConfig). Each fault is off by default.

- index delay: a new memory is stored at once (get finds it) but enters the search index only
  ``index_delay_ms`` later, as with a service that indexes in the background;
- write drop: a share of created memories is acknowledged with an id and never stored;
- cross-tenant leak: a share of searches and lists answer with one memory of another user in
  place of their last result (or added, when there are fewer);
- stale cache: a share of searches is answered from a stale view that misses the user's memories
  created in the last ``stale_cache_age_ms``.
"""

from __future__ import annotations

import random
import time
from collections import deque
from pathlib import Path

import gevent
import numpy as np

from memload.reference.faults import FaultConfig
from memload.reference.storage.store import MemoryRecord, MemoryStore, NewMemory, SearchResult

RECENT_FOR_LEAKS = 4096  # memories a leak picks from: the most recent of every user

Pair = tuple[MemoryRecord, np.ndarray]


class FaultyStore(MemoryStore):
    def __init__(self, path: Path, faults: FaultConfig, *, seed: int) -> None:
        super().__init__(path)
        self.faults = faults
        self._rng = random.Random(f"correctness:{seed}")
        self._recent: deque[MemoryRecord] = deque(maxlen=RECENT_FOR_LEAKS)
        self._created_at: dict[str, float] = {}  # memory id -> unix s (for the stale view)
        self._pending: set[str] = set()  # stored, not yet searchable (index delay)
        self.dropped = 0
        self.leaked = 0
        self.stale = 0

    def _chance(self, rate: float) -> bool:
        return rate > 0 and self._rng.random() < rate

    def add_many(self, memories: list[NewMemory]) -> list[MemoryRecord]:
        pairs = self._new_records(memories)
        kept = [pair for pair in pairs if not self._chance(self.faults.write_drop_rate)]
        self.dropped += len(pairs) - len(kept)
        if kept:
            self._insert(kept)
        for record, _ in kept:
            self._recent.append(record)
            self._created_at[record.id] = record.created_at
        delay_s = self.faults.index_delay_ms / 1000.0
        if delay_s > 0 and kept:
            self._pending.update(record.id for record, _ in kept)
            gevent.spawn_later(delay_s, self._index_late, kept)
        else:
            self._index(kept)
        return [record for record, _ in pairs]

    def _index_late(self, pairs: list[Pair]) -> None:
        """Index what is still stored (a memory deleted in the meantime stays out)."""
        still = [pair for pair in pairs if pair[0].id in self._pending]
        self._pending.difference_update(record.id for record, _ in pairs)
        self._index(still)

    def delete(self, *, user_id: str, memory_id: str) -> bool:
        deleted = super().delete(user_id=user_id, memory_id=memory_id)
        if deleted:
            self._pending.discard(memory_id)
            self._created_at.pop(memory_id, None)
        return deleted

    def search(
        self, *, user_id: str, query: str, top_k: int, namespace: str | None = None
    ) -> list[SearchResult]:
        if self._chance(self.faults.stale_cache_rate):
            self.stale += 1
            cutoff = time.time() - self.faults.stale_cache_age_ms / 1000.0
            everything = super().search(
                user_id=user_id, query=query, top_k=max(top_k, self.index.memory_count), namespace=namespace
            )
            results = [r for r in everything if self._created_at.get(r.id, 0.0) <= cutoff][:top_k]
        else:
            results = super().search(user_id=user_id, query=query, top_k=top_k, namespace=namespace)
        leak = self._leak(user_id)
        if leak is not None:
            leaked = SearchResult(id=leak.id, content=leak.content, score=0.0, user_id=leak.user_id)
            results = (results[: top_k - 1] if len(results) >= top_k else results) + [leaked]
        return results

    def list_page(
        self, *, user_id: str, namespace: str | None, limit: int, offset: int
    ) -> tuple[list[MemoryRecord], int]:
        records, total = super().list_page(user_id=user_id, namespace=namespace, limit=limit, offset=offset)
        leak = self._leak(user_id)
        if leak is not None:
            records = (records[: limit - 1] if len(records) >= limit else records) + [leak]
        return records, total

    def _leak(self, user_id: str) -> MemoryRecord | None:
        """Another user's memory, for a request the leak rate picked (None: no leak this time)."""
        if not self._chance(self.faults.cross_tenant_leak_rate):
            return None
        for _ in range(16):
            if not self._recent:
                return None
            candidate = self._recent[self._rng.randrange(len(self._recent))]
            if candidate.user_id != user_id:
                self.leaked += 1
                return candidate
        return None
