"""Durable memory storage: SQLite in WAL mode plus the in-memory vector index.

Every write commits before it returns, with ``synchronous=NORMAL``: a committed memory is in
the WAL file and survives ``kill -9`` of the server (not a power cut). At start the vector
index is rebuilt from the embeddings stored beside each memory, so a restart on the same file
can search everything that was acknowledged.

SQLite calls block the gevent hub, but each is short and no transaction yields to another
greenlet midway, so one connection serves all requests.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from memload.reference.storage.embeddings import EMBEDDING_DIMS, embed_text, embed_texts
from memload.reference.storage.sqlite_wal import WalCheckpointer, open_database
from memload.reference.storage.vector_index import VectorIndex

_SCHEMA = """
CREATE TABLE IF NOT EXISTS memories (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    namespace TEXT NOT NULL,
    content TEXT NOT NULL,
    metadata TEXT NOT NULL,
    created_at REAL NOT NULL,
    embedding BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS memories_user_namespace ON memories (user_id, namespace);
"""
_COLUMNS = "id, user_id, namespace, content, metadata, created_at"


@dataclass(slots=True, kw_only=True)
class NewMemory:
    """A memory as a client sends it, already validated."""

    user_id: str
    content: str
    namespace: str = "default"
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True, kw_only=True)
class MemoryRecord:
    """A stored memory; ``created_at`` is in unix seconds."""

    id: str
    user_id: str
    namespace: str
    content: str
    metadata: dict[str, Any]
    created_at: float


@dataclass(slots=True, kw_only=True)
class SearchResult:
    id: str
    content: str
    score: float
    user_id: str = ""  # the owner: a cross-tenant leak (memload.reference.storage.faulty) shows it


def _record(row: tuple) -> MemoryRecord:
    memory_id, user_id, namespace, content, metadata, created_at = row
    return MemoryRecord(
        id=memory_id,
        user_id=user_id,
        namespace=namespace,
        content=content,
        metadata=json.loads(metadata),
        created_at=created_at,
    )


class MemoryStore:
    """Memories of all users in one SQLite file, searchable per user."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._db = open_database(path)
        self._db.executescript(_SCHEMA)
        self._checkpointer: WalCheckpointer | None = None
        self.index = VectorIndex()
        self._load_index()

    def checkpoint_in_background(self) -> None:
        """Move WAL checkpoints off the request path (needs a running gevent hub)."""
        if self._checkpointer is None:
            self._checkpointer = WalCheckpointer(self._db, self._path)

    def _load_index(self) -> None:
        rows = self._db.execute(
            "SELECT id, user_id, namespace, content, embedding FROM memories ORDER BY rowid"
        )
        for memory_id, user_id, namespace, content, blob in rows:
            vector = np.frombuffer(blob, dtype=np.float32)
            if vector.shape != (EMBEDDING_DIMS,):  # written with another embedding size: recompute
                vector = embed_text(content)
            self.index.add(
                user_id=user_id, memory_id=memory_id, namespace=namespace, content=content, vector=vector
            )

    def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
        self._db.close()  # the last connection to close checkpoints the WAL into the file

    def add_many(self, memories: list[NewMemory]) -> list[MemoryRecord]:
        """Store ``memories`` in one transaction; all of them or (on error) none."""
        pairs = self._new_records(memories)
        self._insert(pairs)
        self._index(pairs)
        return [record for record, _ in pairs]

    def _new_records(self, memories: list[NewMemory]) -> list[tuple[MemoryRecord, np.ndarray]]:
        vectors = embed_texts([m.content for m in memories])
        now = time.time()
        records = [
            MemoryRecord(
                id=os.urandom(16).hex(),
                user_id=m.user_id,
                namespace=m.namespace,
                content=m.content,
                metadata=m.metadata,
                created_at=now,
            )
            for m in memories
        ]
        return list(zip(records, vectors))

    def _insert(self, pairs: list[tuple[MemoryRecord, np.ndarray]]) -> None:
        rows = [
            (r.id, r.user_id, r.namespace, r.content, json.dumps(r.metadata), r.created_at, vector.tobytes())
            for r, vector in pairs
        ]
        with self._db:
            self._db.executemany("INSERT INTO memories VALUES (?, ?, ?, ?, ?, ?, ?)", rows)

    def _index(self, pairs: list[tuple[MemoryRecord, np.ndarray]]) -> None:
        for record, vector in pairs:
            self.index.add(
                user_id=record.user_id,
                memory_id=record.id,
                namespace=record.namespace,
                content=record.content,
                vector=vector,
            )

    def get(self, *, user_id: str, memory_id: str) -> MemoryRecord | None:
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM memories WHERE id = ? AND user_id = ?", (memory_id, user_id)
        ).fetchone()
        return None if row is None else _record(row)

    def list_page(
        self, *, user_id: str, namespace: str | None, limit: int, offset: int
    ) -> tuple[list[MemoryRecord], int]:
        """One page of a user's memories, oldest first, and the total count."""
        where, params = "user_id = ?", [user_id]
        if namespace is not None:
            where, params = where + " AND namespace = ?", params + [namespace]
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM memories WHERE {where} ORDER BY rowid LIMIT ? OFFSET ?",
            (*params, limit, offset),
        ).fetchall()
        total = self._db.execute(f"SELECT COUNT(*) FROM memories WHERE {where}", params).fetchone()[0]
        return [_record(row) for row in rows], total

    def delete(self, *, user_id: str, memory_id: str) -> bool:
        with self._db:
            deleted = self._db.execute(
                "DELETE FROM memories WHERE id = ? AND user_id = ?", (memory_id, user_id)
            ).rowcount
        if deleted:
            self.index.remove(user_id=user_id, memory_id=memory_id)
        return bool(deleted)

    def search(
        self, *, user_id: str, query: str, top_k: int, namespace: str | None = None
    ) -> list[SearchResult]:
        """The ``top_k`` memories of ``user_id`` closest to ``query`` by cosine similarity, best first."""
        hits = self.index.search(user_id=user_id, query=embed_text(query), top_k=top_k, namespace=namespace)
        missing = [memory_id for memory_id, _, content in hits if content is None]
        long_contents = dict(self._contents(missing)) if missing else {}
        return [
            SearchResult(
                id=memory_id,
                content=content if content is not None else long_contents[memory_id],
                score=round(score, 6),
                user_id=user_id,
            )
            for memory_id, score, content in hits
        ]

    def _contents(self, memory_ids: list[str]) -> list[tuple[str, str]]:
        marks = ",".join("?" * len(memory_ids))
        return self._db.execute(
            f"SELECT id, content FROM memories WHERE id IN ({marks})", memory_ids
        ).fetchall()
