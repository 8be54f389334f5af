"""OpenAI-compatible LLM routes (chat completions, embeddings, models) and RAG (answered as JSON,
or with ``"stream": true`` as an event stream: the sources, then the answer's chat chunks).

Chat answers come from ``ChatEngine``: simulated latency per model profile, the response
cache (``X-Cache: HIT|MISS``, ``BYPASS`` when temperature > 0) and SSE streaming. A missing
``model`` means the ``fast`` profile and a missing ``temperature`` means 0 (cacheable).
"""

from __future__ import annotations

import base64
import itertools
import json
import time
from functools import partial
from typing import Any

import gevent
from flask import Flask, Response, request

from memload.reference.http import validation as v
from memload.reference.http.errors import ApiError, json_response
from memload.reference.http.limits import (
    MAX_CONTENT_PARTS,
    MAX_EMBEDDING_INPUT_CHARS,
    MAX_EMBEDDING_INPUTS,
    MAX_EMBEDDING_TOTAL_CHARS,
    MAX_MESSAGES,
    MAX_OUTPUT_TOKENS,
    MAX_PROMPT_CHARS,
    MAX_QUERY_CHARS,
    MAX_TOP_K,
)
from memload.reference.llm.completions import ChatEngine, ChatRequest
from memload.reference.llm.profiles import DEFAULT_MODEL, PROFILES, LatencyProfile
from memload.reference.storage.embeddings import EMBEDDING_DIMS, embed_texts
from memload.reference.storage.store import MemoryStore

RAG_SYSTEM_PROMPT = "Answer the question using only the user's memories given as context."


def model_profile(body: dict[str, Any], kind: str) -> LatencyProfile:
    """The profile named by ``model`` (default ``fast``): 404 if unknown, 400 if of another kind."""
    name = v.optional_string(body, "model") or DEFAULT_MODEL
    profile = PROFILES.get(name)
    if profile is None:
        raise ApiError(
            404,
            f"model '{name[:64]}' does not exist; see GET /v1/models",
            field="model",
            error_type="model_not_found",
        )
    if not profile.serves(kind):
        raise ApiError(400, f"model '{name}' cannot serve {kind} requests", field="model")
    return profile


def _message_text(message: Any, i: int) -> dict[str, str]:
    field = f"messages[{i}]"
    if not isinstance(message, dict):
        raise ApiError(400, f"'{field}' must be a JSON object", field=field)
    role = v.string(message, "role", field=f"{field}.role")
    content = message.get("content")
    if isinstance(content, list):  # content parts: keep the text ones
        if len(content) > MAX_CONTENT_PARTS:
            raise ApiError(
                400, f"'{field}.content' has more than {MAX_CONTENT_PARTS} parts", field=f"{field}.content"
            )
        if not all(isinstance(p, dict) and isinstance(p.get("text", ""), str) for p in content):
            raise ApiError(
                400, f"'{field}.content' parts must be objects with a text", field=f"{field}.content"
            )
        content = "\n".join(p.get("text", "") for p in content)
    if content is None:
        content = ""
    if not isinstance(content, str):
        raise ApiError(
            400, f"'{field}.content' must be a string or a list of parts", field=f"{field}.content"
        )
    return {"role": role, "content": content}


def generation_options(body: dict[str, Any]) -> dict[str, Any]:
    """``model``, ``temperature`` and ``max_tokens`` (or ``max_completion_tokens``) of a request."""
    profile = model_profile(body, "chat")
    completion_cap = v.optional_integer(body, "max_completion_tokens", minimum=1, maximum=MAX_OUTPUT_TOKENS)
    max_tokens = v.optional_integer(body, "max_tokens", minimum=1, maximum=MAX_OUTPUT_TOKENS)
    return {
        "model": profile.name,
        "temperature": v.number(body, "temperature", default=0.0, minimum=0.0, maximum=2.0),
        "max_tokens": completion_cap if max_tokens is None else max_tokens,
    }


def parse_chat_request(body: dict[str, Any]) -> ChatRequest:
    options = generation_options(body)
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise ApiError(400, "'messages' must be a non-empty list", field="messages")
    if len(messages) > MAX_MESSAGES:
        raise ApiError(400, f"'messages' holds more than {MAX_MESSAGES} messages", field="messages")
    stream_options = body.get("stream_options") or {}
    if not isinstance(stream_options, dict):
        raise ApiError(400, "'stream_options' must be a JSON object", field="stream_options")
    texts = [_message_text(m, i) for i, m in enumerate(messages)]
    if sum(len(m["content"]) for m in texts) > MAX_PROMPT_CHARS:
        raise ApiError(
            413, f"'messages' hold more than {MAX_PROMPT_CHARS} characters of content", field="messages"
        )
    return ChatRequest(
        **options,
        messages=texts,
        stream=v.boolean(body, "stream", default=False),
        include_usage=v.boolean(stream_options, "include_usage", default=False),
    )


def _embedding_inputs(body: dict[str, Any]) -> list[str]:
    raw = body.get("input")
    inputs = [raw] if isinstance(raw, str) else raw
    if not isinstance(inputs, list) or not 1 <= len(inputs) <= MAX_EMBEDDING_INPUTS:
        raise ApiError(
            400, f"'input' must be a string or a list of 1 to {MAX_EMBEDDING_INPUTS} strings", field="input"
        )
    for i, text in enumerate(inputs):
        if not isinstance(text, str) or not text:
            raise ApiError(400, f"'input[{i}]' must be a non-empty string", field=f"input[{i}]")
        if len(text) > MAX_EMBEDDING_INPUT_CHARS:
            message = f"'input[{i}]' is longer than {MAX_EMBEDDING_INPUT_CHARS} characters"
            raise ApiError(413, message, field=f"input[{i}]")
    if sum(map(len, inputs)) > MAX_EMBEDDING_TOTAL_CHARS:
        raise ApiError(413, f"'input' holds more than {MAX_EMBEDDING_TOTAL_CHARS} characters", field="input")
    return inputs


def _embedding_payload(vector: Any, encoding: str) -> Any:
    if encoding == "base64":
        return base64.b64encode(vector.astype("<f4").tobytes()).decode("ascii")
    return [round(x, 6) for x in vector.tolist()]


def chat_completion(engine: ChatEngine) -> Response:
    prepared = engine.prepare(parse_chat_request(v.json_object(request)))
    headers = {"X-Cache": prepared.cache_status}
    if prepared.request.stream:
        headers |= {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        return Response(engine.stream(prepared), mimetype="text/event-stream", headers=headers)
    return json_response(engine.complete(prepared), headers=headers)


def create_embeddings(engine: ChatEngine) -> Response:
    started_s = time.monotonic()
    body = v.json_object(request)
    profile = model_profile(body, "embedding")
    inputs = _embedding_inputs(body)
    encoding = v.optional_string(body, "encoding_format") or "float"
    if encoding not in ("float", "base64"):
        raise ApiError(400, "'encoding_format' must be 'float' or 'base64'", field="encoding_format")
    dimensions = v.integer(body, "dimensions", default=EMBEDDING_DIMS, minimum=1, maximum=100_000)
    if dimensions != EMBEDDING_DIMS:
        raise ApiError(400, f"'dimensions' must be {EMBEDDING_DIMS}", field="dimensions")
    vectors = embed_texts(inputs)
    gevent.sleep(max(0.0, started_s + engine.sampler.sample_e2e_s(profile) - time.monotonic()))
    tokens = sum(len(text.split()) for text in inputs)
    return json_response(
        {
            "object": "list",
            "model": profile.name,
            "data": [
                {"object": "embedding", "index": i, "embedding": _embedding_payload(vec, encoding)}
                for i, vec in enumerate(vectors)
            ],
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }
    )


def list_models() -> Response:
    return json_response(
        {
            "object": "list",
            "data": [
                {
                    "id": p.name,
                    "object": "model",
                    "created": 0,
                    "owned_by": "memload",
                    "kind": p.kind,
                    "e2e_p50_s": p.e2e_p50_s,
                    "e2e_p95_s": p.e2e_p95_s,
                    "e2e_p99_s": p.e2e_p99_s,
                    "ttft_share": p.ttft_share,
                    "output_tokens": [p.output_tokens_min, p.output_tokens_max],
                }
                for p in PROFILES.values()
            ],
        }
    )


def rag_query(store: MemoryStore, engine: ChatEngine) -> Response:
    body = v.json_object(request)
    user_id = v.string(body, "user_id")
    question = v.string(body, "question", max_chars=MAX_QUERY_CHARS)
    top_k = v.integer(body, "top_k", default=5, minimum=1, maximum=MAX_TOP_K)
    namespace = v.optional_string(body, "namespace")
    options = generation_options(body)
    sources = store.search(user_id=user_id, query=question, top_k=top_k, namespace=namespace)
    context = "\n".join(f"- {s.content}" for s in sources) or "(no memories found)"
    messages = [
        {"role": "system", "content": RAG_SYSTEM_PROMPT},
        {"role": "user", "content": f"Memories:\n{context}\n\nQuestion: {question}"},
    ]
    stream = v.boolean(body, "stream", default=False)
    prepared = engine.prepare(ChatRequest(**options, messages=messages, stream=stream, include_usage=stream))
    if stream:  # the sources first, then the answer as a chat completion stream (TTFT measurable)
        found = {"object": "rag.sources", "sources": [_source(s) for s in sources]}
        events = itertools.chain([_sse_event(found)], engine.stream(prepared))
        headers = {"X-Cache": prepared.cache_status, "Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        return Response(events, mimetype="text/event-stream", headers=headers)
    answer = engine.complete(prepared)
    return json_response(
        {
            "answer": answer["choices"][0]["message"]["content"],
            "model": options["model"],
            "usage": answer["usage"],
            "sources": [_source(s) for s in sources],
        },
        headers={"X-Cache": prepared.cache_status},
    )


def _source(found: Any) -> dict[str, Any]:
    return {"id": found.id, "content": found.content, "score": found.score}


def _sse_event(payload: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(payload)}\n\n".encode()


def register_llm_routes(app: Flask, *, store: MemoryStore, engine: ChatEngine) -> None:
    app.add_url_rule("/v1/chat/completions", "llm_chat", partial(chat_completion, engine), methods=["POST"])
    app.add_url_rule("/v1/embeddings", "embed", partial(create_embeddings, engine), methods=["POST"])
    app.add_url_rule("/v1/models", "list_models", list_models, methods=["GET"])
    app.add_url_rule("/v1/rag/query", "rag_query", partial(rag_query, store, engine), methods=["POST"])
