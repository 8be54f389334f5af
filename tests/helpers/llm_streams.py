"""What real OpenAI-compatible servers send, chunk by chunk, for the stream tests and the fake
servers of tests/run/test_openai_servers.py. Each body is named after the server it imitates and
the version of that server's source it follows.

- ``vllm_stream``: vLLM, vllm/entrypoints/openai/serving_chat.py at commit 003fe59 (v0.10 series),
  ``chat_completion_stream_generator``: a role chunk, content chunks (``usage`` left out,
  ``exclude_unset``), a finish chunk, then with ``stream_options.include_usage`` a chunk with
  ``choices: []`` and ``usage``, then ``data: [DONE]``.
- ``llamacpp_stream``: llama.cpp server before PR #9459 (2024-09-13, "server : add [DONE] event"),
  examples/server/utils.hpp ``format_partial_response_oaicompat``: the finish chunk carries
  ``usage`` (``delta: {}``) and no ``[DONE]`` follows: the server closes the connection.
  With ``done=True`` it is llama.cpp after that PR (b3760 on): the same, then ``[DONE]``.
- ``reasoning_stream``: vLLM with a reasoning parser (same serving_chat.py: ``DeltaMessage(
  reasoning_content=...)`` before the content), and OpenAI's usage with
  ``completion_tokens_details.reasoning_tokens`` (OpenAI API reference, chat completion object).
"""
from __future__ import annotations

import json


def event(payload: object) -> bytes:
    return f"data: {payload if isinstance(payload, str) else json.dumps(payload)}\n\n".encode()


def _chunk(delta: dict, finish_reason: str | None = None, **extra: object) -> dict:
    return {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "m",
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}], **extra}


def vllm_stream(words: list[str], *, include_usage: bool = True, prompt_tokens: int = 7) -> list[bytes]:
    events = [event(_chunk({"role": "assistant", "content": ""}))]
    events += [event(_chunk({"content": word})) for word in words]
    events.append(event(_chunk({"content": ""}, "stop")))
    if include_usage:
        usage = {"prompt_tokens": prompt_tokens, "completion_tokens": len(words),
                 "total_tokens": prompt_tokens + len(words)}
        events.append(event({"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1,
                             "model": "m", "choices": [], "usage": usage}))
    return events + [event("[DONE]")]


def llamacpp_stream(words: list[str], *, done: bool = False, prompt_tokens: int = 7) -> list[bytes]:
    events = [event(_chunk({"role": "assistant"})), event(_chunk({"content": words[0]}))]
    events += [event(_chunk({"content": word})) for word in words[1:]]
    usage = {"completion_tokens": len(words), "prompt_tokens": prompt_tokens,
             "total_tokens": len(words) + prompt_tokens}
    events.append(event(_chunk({}, "stop", usage=usage)))
    return events + ([event("[DONE]")] if done else [])


def reasoning_stream(thoughts: list[str], words: list[str], *, field: str = "reasoning_content",
                     usage_reasoning: int | None = None) -> list[bytes]:
    events = [event(_chunk({"role": "assistant", "content": ""}))]
    events += [event(_chunk({field: thought})) for thought in thoughts]
    events += [event(_chunk({"content": word})) for word in words]
    events.append(event(_chunk({}, "stop")))
    usage: dict = {"prompt_tokens": 5, "completion_tokens": len(thoughts) + len(words),
                   "total_tokens": 5 + len(thoughts) + len(words)}
    if usage_reasoning is not None:
        usage["completion_tokens_details"] = {"reasoning_tokens": usage_reasoning}
    events.append(event({"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "m",
                         "choices": [], "usage": usage}))
    return events + [event("[DONE]")]


def cut_stream(words: list[str]) -> list[bytes]:
    """A stream whose connection closes mid-answer: content, then nothing (no finish_reason)."""
    return [event(_chunk({"role": "assistant", "content": ""}))] + [event(_chunk({"content": w})) for w in words]
