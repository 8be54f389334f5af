"""Chat completions: simulated answers, their timing, the response cache and SSE framing.

Tokens are words: an answer of ``n`` output tokens is ``n`` words, streamed one word per SSE
chunk, and prompt tokens are the whitespace-separated words of the messages. Answers at
temperature 0 are a deterministic function of the seed and the request; the words are drawn
half from the prompt (so a RAG answer echoes its sources) and half from a filler vocabulary.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import gevent

from memload.reference.cache import LruTtlCache
from memload.reference.llm.profiles import PROFILES, LatencySampler, StreamPlan
from memload.reference.storage.embeddings import tokenize

CACHE_HIT, CACHE_MISS, CACHE_BYPASS = "HIT", "MISS", "BYPASS"
_FILLER = (
    "the a of to and in that it is for on with as this be at by from you your memory memories "
    "remember noted earlier said likes prefers wants time today plan note answer context based "
    "user assistant about which when where will would can could should also more most some any"
).split()


@dataclass(frozen=True, kw_only=True)
class ChatRequest:
    """A validated chat completion request; messages are ``{"role", "content"}`` with str content."""

    model: str
    messages: list[dict[str, str]]
    temperature: float = 0.0
    max_tokens: int | None = None
    stream: bool = False
    include_usage: bool = False


@dataclass(frozen=True, kw_only=True)
class Completion:
    words: tuple[str, ...]
    finish_reason: str
    prompt_tokens: int

    @property
    def text(self) -> str:
        return " ".join(self.words)

    @property
    def usage(self) -> dict[str, int]:
        completion_tokens = len(self.words)
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": self.prompt_tokens + completion_tokens,
        }


@dataclass(frozen=True, kw_only=True)
class PreparedChat:
    """An answer and when to deliver it; ``plan`` is None for a cache hit (deliver at once)."""

    request: ChatRequest
    completion: Completion
    plan: StreamPlan | None
    cache_status: str
    cache_key: str | None
    started_s: float
    completion_id: str
    created_unix: int


def cache_key(request: ChatRequest) -> str:
    """Model, messages, temperature and max_tokens (a different cap gives a different answer)."""
    material = json.dumps(
        [request.model, request.messages, request.temperature, request.max_tokens],
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.blake2b(material.encode("utf-8"), digest_size=16).hexdigest()


def _sse(payload: dict[str, Any] | str) -> bytes:
    data = (
        payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"), allow_nan=False)
    )
    return f"data: {data}\n\n".encode()


def _sleep_until(deadline_s: float) -> None:
    delay_s = deadline_s - time.monotonic()
    if delay_s > 0:
        gevent.sleep(delay_s)


class ChatEngine:
    """Prepares, times and (through the cache) remembers simulated chat answers."""

    def __init__(
        self,
        *,
        seed: int,
        cache: LruTtlCache[Completion] | None,
        on_cache_result: Callable[[str], None] = lambda status: None,
    ) -> None:
        self._seed = seed
        self._sampler = LatencySampler(seed=seed)
        self._text_rng = random.Random(seed)
        self._cache = cache
        self._on_cache_result = on_cache_result

    @property
    def sampler(self) -> LatencySampler:
        return self._sampler

    def prepare(self, request: ChatRequest) -> PreparedChat:
        started_s = time.monotonic()
        key, status, cached = None, CACHE_BYPASS, None
        if request.temperature <= 0:
            key = cache_key(request)
            cached = self._cache.get(key) if self._cache is not None else None
            status = CACHE_HIT if cached is not None else CACHE_MISS
            self._on_cache_result(status)
        plan, completion = None, cached
        if completion is None:
            plan = self._sampler.plan(PROFILES[request.model], max_tokens=request.max_tokens)
            completion = self._compose(request, key, plan.output_tokens)
        return PreparedChat(
            request=request,
            completion=completion,
            plan=plan,
            cache_status=status,
            cache_key=key,
            started_s=started_s,
            completion_id=f"chatcmpl-{uuid.uuid4().hex[:24]}",
            created_unix=int(time.time()),
        )

    def _compose(self, request: ChatRequest, key: str | None, output_tokens: int) -> Completion:
        rng = random.Random(f"{self._seed}:{key}") if key is not None else self._text_rng
        prompt_words = [w for m in request.messages for w in tokenize(m["content"])]
        words = tuple(
            rng.choice(prompt_words) if prompt_words and rng.random() < 0.5 else rng.choice(_FILLER)
            for _ in range(output_tokens)
        )
        prompt_tokens = sum(len(m["content"].split()) for m in request.messages)
        capped = request.max_tokens is not None and output_tokens >= request.max_tokens
        return Completion(
            words=words, finish_reason="length" if capped else "stop", prompt_tokens=prompt_tokens
        )

    def _remember(self, prepared: PreparedChat) -> None:
        if self._cache is not None and prepared.cache_key is not None and prepared.plan is not None:
            self._cache.put(prepared.cache_key, prepared.completion)

    def complete(self, prepared: PreparedChat) -> dict[str, Any]:
        """Wait out the whole simulated latency, then return an OpenAI ``chat.completion``."""
        if prepared.plan is not None:
            _sleep_until(prepared.started_s + prepared.plan.e2e_s)
        self._remember(prepared)
        completion = prepared.completion
        return {
            "id": prepared.completion_id,
            "object": "chat.completion",
            "created": prepared.created_unix,
            "model": prepared.request.model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": completion.text},
                    "finish_reason": completion.finish_reason,
                }
            ],
            "usage": completion.usage,
        }

    def stream(self, prepared: PreparedChat) -> Iterator[bytes]:
        """SSE chunks: role, one word per chunk on the plan's schedule, finish, usage?, [DONE]."""
        request, completion = prepared.request, prepared.completion
        base = {
            "id": prepared.completion_id,
            "object": "chat.completion.chunk",
            "created": prepared.created_unix,
            "model": request.model,
        }
        if request.include_usage:
            base["usage"] = None

        def chunk(delta: dict[str, str], finish_reason: str | None = None) -> bytes:
            return _sse({**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]})

        yield chunk({"role": "assistant", "content": ""})
        offsets = (
            prepared.plan.token_offsets_s if prepared.plan is not None else [0.0] * len(completion.words)
        )
        for i, (word, offset_s) in enumerate(zip(completion.words, offsets)):
            _sleep_until(prepared.started_s + offset_s)
            yield chunk({"content": word if i == 0 else f" {word}"})
        if prepared.plan is not None:
            _sleep_until(prepared.started_s + prepared.plan.e2e_s)
        self._remember(prepared)
        yield chunk({}, completion.finish_reason)
        if request.include_usage:
            yield _sse({**base, "choices": [], "usage": completion.usage})
        yield _sse("[DONE]")
