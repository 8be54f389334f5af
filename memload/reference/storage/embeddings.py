"""Deterministic local text embeddings: feature hashing of words and word bigrams.

No model is downloaded. Each lower-cased word and each pair of adjacent words is hashed
with BLAKE2b (the same in every process, unlike ``hash()``) to one of ``EMBEDDING_DIMS``
buckets and a sign; the signed counts are summed and the vector is L2-normalised. Texts that
share words and word pairs score a high cosine similarity; a text compared with itself
scores 1.0.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re

import numpy as np

EMBEDDING_DIMS = 384
_WORD_RE = re.compile(r"\w+")


@functools.lru_cache(maxsize=262_144)
def feature_code(feature: str) -> int:
    """``2 * bucket + sign_bit`` of one feature (a word, or two words joined by a space)."""
    value = int.from_bytes(hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest(), "little")
    return 2 * (value % EMBEDDING_DIMS) + (value >> 63)


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens of ``text`` (unicode letters, digits and underscores)."""
    return _WORD_RE.findall(text.lower())


def embed_text(text: str) -> np.ndarray:
    """One L2-normalised float32 vector of ``EMBEDDING_DIMS``; all zeros for a text without words."""
    words = tokenize(text)
    if not words:
        return np.zeros(EMBEDDING_DIMS, dtype=np.float32)
    features = words + [f"{a} {b}" for a, b in zip(words, words[1:])]
    codes = np.fromiter(map(feature_code, features), dtype=np.intp, count=len(features))
    counts = np.bincount(codes, minlength=2 * EMBEDDING_DIMS)  # even: positive sign, odd: negative
    vector = (counts[0::2] - counts[1::2]).astype(np.float32)
    norm = math.sqrt(float(vector @ vector))
    if norm > 0.0:
        vector /= norm
    return vector


def embed_texts(texts: list[str]) -> np.ndarray:
    """A ``(len(texts), EMBEDDING_DIMS)`` float32 matrix, one row per text."""
    matrix = np.empty((len(texts), EMBEDDING_DIMS), dtype=np.float32)
    for row, text in enumerate(texts):
        matrix[row] = embed_text(text)
    return matrix
