"""The chat stream reader (memload.adapters.openai_stream) on what real servers send
(tests/helpers/llm_streams.py names each server and the source version it follows): when a stream
ends, which failures have a class of their own, and the figures (TTFT to any token, TTFOT to the
first content token, tokens from usage or chunks, reasoning tokens, TPOT over every token)."""
from __future__ import annotations

import time

import pytest

from llm_streams import cut_stream, event, llamacpp_stream, reasoning_stream, vllm_stream
from memload.adapters.openai_stream import NO_FINISH, STREAM_CUT, StreamStats, read_chat_json, read_chat_stream

GAP_S = 0.02


def paced(events: list[bytes], *, first_after_s: float = 0.0, gap_s: float = 0.0):
    """read_line over ``events``: the first line after ``first_after_s``, each later event ``gap_s``
    after the one before; b"" (the connection's end) after the last."""
    lines = [(i, line) for i, e in enumerate(events) for line in e.splitlines(keepends=True)]
    state = {"last": -1}

    def read_line() -> bytes:
        if not lines:
            return b""
        index, line = lines.pop(0)
        if index != state["last"]:
            time.sleep(first_after_s if state["last"] < 0 else gap_s)
            state["last"] = index
        return line

    return read_line


def read(events: list[bytes], **pace: float) -> StreamStats:
    return read_chat_stream(paced(events, **pace), request_start_perf_s=time.perf_counter())


def test_vllm_stream_usage_chunk_with_empty_choices():
    stats = read(vllm_stream(["Hello", " there", " friend"]), first_after_s=0.05)
    assert stats.error is None and stats.done and stats.finish_reason == "stop"
    assert stats.output_tokens == 3 and stats.tokens_source == "usage"
    assert stats.content_chunks == 3 and stats.reasoning_chunks == 0
    assert 50 <= stats.ttft_ms < 150 and stats.ttfot_ms == stats.ttft_ms


def test_llamacpp_usage_in_the_finish_chunk_and_no_done():
    stats = read(llamacpp_stream(["a", "b", "c", "d"], prompt_tokens=9))
    assert stats.error is None and not stats.done and stats.finish_reason == "stop"
    assert stats.output_tokens == 4 and stats.tokens_source == "usage"


def test_llamacpp_after_pr_9459_ends_with_done():
    stats = read(llamacpp_stream(["a", "b"], done=True))
    assert stats.error is None and stats.done and stats.output_tokens == 2


def test_a_stream_cut_before_any_finish_reason_is_its_own_failure():
    stats = read(cut_stream(["a", "b"]))
    assert stats.error == STREAM_CUT
    assert read([]).error == NO_FINISH  # nothing at all: no token, no finish, no [DONE]


def test_a_connection_broken_mid_stream_is_a_cut_and_a_timeout_is_a_timeout():
    def broken() -> bytes:
        raise ConnectionResetError("reset by peer")

    def timed_out() -> bytes:
        raise TimeoutError("timed out")

    assert read_chat_stream(broken, request_start_perf_s=0.0).error.startswith("stream cut:")
    assert read_chat_stream(timed_out, request_start_perf_s=0.0).error.startswith("timeout:")


def test_without_usage_tokens_are_counted_chunks():
    stats = read(vllm_stream(["a", "b", "c"], include_usage=False))
    assert stats.error is None and stats.output_tokens == 3 and stats.tokens_source == "chunks"


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
def test_reasoning_tokens_count_for_ttft_and_tpot_and_ttfot_waits_for_content(field):
    thoughts, words = ["Let", " me", " think"], ["Paris", "."]
    stats = read(reasoning_stream(thoughts, words, field=field, usage_reasoning=3),
                 first_after_s=0.04, gap_s=GAP_S)
    assert stats.error is None
    assert stats.reasoning_chunks == 3 and stats.content_chunks == 2
    assert stats.output_tokens == 5 and stats.reasoning_tokens == 3
    # role chunk at 40 ms (no token), then a token chunk every 20 ms: reasoning at +20 ms ...
    assert stats.ttfot_ms - stats.ttft_ms == pytest.approx(3 * GAP_S * 1000, abs=15)
    assert len(stats.itl_ms) == 4 and all(gap == pytest.approx(GAP_S * 1000, abs=15) for gap in stats.itl_ms)
    assert stats.tpot_ms == pytest.approx((stats.e2e_ms - stats.ttft_ms) / 4)


def test_reasoning_tokens_without_usage_details_are_the_reasoning_chunks():
    stats = read(reasoning_stream(["x", "y"], ["z"], usage_reasoning=None))
    assert stats.reasoning_tokens == 2 and stats.output_tokens == 3


@pytest.mark.parametrize(("body", "error"), [
    ([b"data: not json\n\n"], "not JSON"),
    ([b'data: {"error":{"message":"overloaded"}}\n\n'], "overloaded"),
])
def test_stream_errors(body, error):
    assert error in read(body).error


def test_multiline_data_and_crlf():
    body = [b'data: {"choices":[{"delta":\ndata: {"content":"a"}}]}\n\n',
            b'data: {"choices":[{"delta":{"content":"b"},"finish_reason":"length"}]}\r\n\r\n', event("[DONE]")]
    stats = read(body)
    assert stats.error is None and stats.output_tokens == 2 and stats.finish_reason == "length"


def test_non_streamed_body_gives_tokens_from_usage():
    stats = StreamStats(request_start_perf_s=0.0, streamed=False)
    read_chat_json(stats, {"choices": [{"message": {"content": "hi"}, "finish_reason": "stop"}],
                           "usage": {"prompt_tokens": 3, "completion_tokens": 12,
                                     "completion_tokens_details": {"reasoning_tokens": 4}}})
    assert stats.error is None and stats.output_tokens == 12 and stats.reasoning_tokens == 4
    assert stats.tokens_source == "usage" and stats.ttft_ms is None and stats.tpot_ms is None
    bare = StreamStats(request_start_perf_s=0.0, streamed=False)
    read_chat_json(bare, {"choices": [{"message": {"content": "hi"}}]})
    assert bare.tokens_source == "none" and bare.output_tokens == 0
    broken = StreamStats(request_start_perf_s=0.0, streamed=False)
    read_chat_json(broken, {"object": "error"})
    assert broken.error == "chat completion body has no choices"
