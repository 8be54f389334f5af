"""Per-user in-memory embedding matrices for brute-force cosine search.

Each user owns a growable float32 matrix (one L2-normalised row per memory) with, per row,
the memory id, a namespace code and the content (kept here when short, so a search needs no
database read). A search is one matrix-vector product over that user's rows only, so another
user's memories can never come back. Deleting moves the last row into the freed slot.
"""

from __future__ import annotations

import numpy as np

from memload.reference.storage.embeddings import EMBEDDING_DIMS

_INITIAL_ROWS = 16
_GROWTH = 1.5
# Contents up to this many characters are kept in memory for search results.
MAX_CACHED_CONTENT_CHARS = 2048

# One search hit: (memory id, cosine similarity, content or None when not kept in memory).
Hit = tuple[str, float, str | None]


class _UserRows:
    __slots__ = ("vectors", "namespace_codes", "ids", "contents", "row_of", "namespaces")

    def __init__(self) -> None:
        self.vectors = np.empty((_INITIAL_ROWS, EMBEDDING_DIMS), np.float32)
        self.namespace_codes = np.empty(_INITIAL_ROWS, np.int32)
        self.ids: list[str] = []
        self.contents: list[str | None] = []
        self.row_of: dict[str, int] = {}
        self.namespaces: dict[str, int] = {}

    def add(self, memory_id: str, namespace: str, content: str, vector: np.ndarray) -> None:
        row = len(self.ids)
        if row == len(self.vectors):
            self._grow()
        self.vectors[row] = vector
        self.namespace_codes[row] = self.namespaces.setdefault(namespace, len(self.namespaces))
        self.ids.append(memory_id)
        self.contents.append(content if len(content) <= MAX_CACHED_CONTENT_CHARS else None)
        self.row_of[memory_id] = row

    def _grow(self) -> None:
        rows = int(len(self.vectors) * _GROWTH) + 1
        vectors = np.empty((rows, EMBEDDING_DIMS), np.float32)
        vectors[: len(self.vectors)] = self.vectors
        codes = np.empty(rows, np.int32)
        codes[: len(self.namespace_codes)] = self.namespace_codes
        self.vectors, self.namespace_codes = vectors, codes

    def remove(self, memory_id: str) -> bool:
        row = self.row_of.pop(memory_id, None)
        if row is None:
            return False
        last = len(self.ids) - 1
        if row != last:
            moved_id = self.ids[last]
            self.vectors[row] = self.vectors[last]
            self.namespace_codes[row] = self.namespace_codes[last]
            self.ids[row] = moved_id
            self.contents[row] = self.contents[last]
            self.row_of[moved_id] = row
        self.ids.pop()
        self.contents.pop()
        return True

    def search(self, query: np.ndarray, top_k: int, namespace: str | None) -> list[Hit]:
        count = len(self.ids)
        scores = self.vectors[:count] @ query
        rows = None  # None: every row is a candidate, in order
        if namespace is not None:
            code = self.namespaces.get(namespace)
            if code is None:
                return []
            rows = np.flatnonzero(self.namespace_codes[:count] == code)
            scores = scores[rows]
        best = (
            np.argpartition(scores, len(scores) - top_k)[-top_k:]
            if len(scores) > top_k
            else np.arange(len(scores))
        )
        best = best[np.argsort(-scores[best], kind="stable")]
        picked = best.tolist() if rows is None else rows[best].tolist()
        return [
            (self.ids[row], float(score), self.contents[row])
            for row, score in zip(picked, scores[best].tolist())
        ]


class VectorIndex:
    """Embeddings of every stored memory, partitioned by user."""

    def __init__(self) -> None:
        self._users: dict[str, _UserRows] = {}
        self._memory_count = 0

    @property
    def memory_count(self) -> int:
        return self._memory_count

    @property
    def user_count(self) -> int:
        """Users with at least one stored memory."""
        return len(self._users)

    def add(self, *, user_id: str, memory_id: str, namespace: str, content: str, vector: np.ndarray) -> None:
        rows = self._users.get(user_id)
        if rows is None:
            rows = self._users[user_id] = _UserRows()
        rows.add(memory_id, namespace, content, vector)
        self._memory_count += 1

    def remove(self, *, user_id: str, memory_id: str) -> bool:
        rows = self._users.get(user_id)
        if rows is None or not rows.remove(memory_id):
            return False
        self._memory_count -= 1
        if not rows.ids:
            del self._users[user_id]
        return True

    def search(
        self, *, user_id: str, query: np.ndarray, top_k: int, namespace: str | None = None
    ) -> list[Hit]:
        """The ``top_k`` memories of ``user_id`` most similar to ``query``, best first."""
        rows = self._users.get(user_id)
        if rows is None or top_k <= 0:
            return []
        return rows.search(query, top_k, namespace)
