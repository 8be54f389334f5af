"""The chat completion cache: HIT on a repeat, BYPASS above temperature 0, off with --no-cache."""
from __future__ import annotations

import time
import uuid

import pytest
from prometheus_client.parser import text_string_to_metric_families

from memload.reference.cache import LruTtlCache


def chat(target, text, **extra):
    body = {"model": "fast", "messages": [{"role": "user", "content": text}], **extra}
    response = target.post("/v1/chat/completions", body)
    assert response.status_code == 200
    return response


def counter(target, name):
    for family in text_string_to_metric_families(target.get("/metrics").text):
        for sample in family.samples:
            if sample.name == name:
                return sample.value
    raise AssertionError(f"{name} not exported")


def test_repeated_request_is_a_hit_with_the_same_answer(shared_target):
    text = f"what is {uuid.uuid4().hex}?"
    hits, misses = counter(shared_target, "memload_cache_hits_total"), counter(shared_target, "memload_cache_misses_total")
    first = chat(shared_target, text)
    second = chat(shared_target, text)
    assert first.headers["X-Cache"] == "MISS" and second.headers["X-Cache"] == "HIT"
    assert first.json()["choices"] == second.json()["choices"]
    assert counter(shared_target, "memload_cache_hits_total") == hits + 1
    assert counter(shared_target, "memload_cache_misses_total") == misses + 1


def test_key_includes_model_and_messages(shared_target):
    text = f"key test {uuid.uuid4().hex}"
    chat(shared_target, text)
    assert chat(shared_target, text + "!").headers["X-Cache"] == "MISS"
    assert chat(shared_target, text, model="gpt-3.5-turbo", max_tokens=1).headers["X-Cache"] == "MISS"


def test_streamed_repeat_is_a_hit(shared_target, chat_stream):
    body = {"messages": [{"role": "user", "content": f"stream {uuid.uuid4().hex}"}], "stream": True}
    first, events_1, _ = chat_stream(shared_target, body)
    second, events_2, _ = chat_stream(shared_target, body)
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("MISS", "HIT")
    def text(events):
        return "".join(e["choices"][0]["delta"].get("content", "") for e in events[:-1])
    assert text(events_1) == text(events_2)


def test_temperature_above_zero_bypasses(shared_target):
    text = f"creative {uuid.uuid4().hex}"
    hits = counter(shared_target, "memload_cache_hits_total")
    assert chat(shared_target, text, temperature=0.7).headers["X-Cache"] == "BYPASS"
    assert chat(shared_target, text, temperature=0.7).headers["X-Cache"] == "BYPASS"
    assert counter(shared_target, "memload_cache_hits_total") == hits


def test_no_cache_never_hits(start_target):
    target = start_target("--no-cache")
    assert [chat(target, "same question").headers["X-Cache"] for _ in range(3)] == ["MISS"] * 3
    assert counter(target, "memload_cache_hits_total") == 0
    assert counter(target, "memload_cache_misses_total") == 3
    assert target.get("/health").json()["cache"]["enabled"] is False


def test_entries_expire_after_the_ttl(start_target):
    target = start_target("--cache-ttl-s", "0.3")
    assert chat(target, "short lived").headers["X-Cache"] == "MISS"
    assert chat(target, "short lived").headers["X-Cache"] == "HIT"
    time.sleep(0.4)
    assert chat(target, "short lived").headers["X-Cache"] == "MISS"


def test_cache_size_evicts_the_least_recently_used(start_target):
    target = start_target("--cache-size", "2")
    for text in ("a", "b", "a", "c"):  # "b" is the least recently used when "c" arrives
        chat(target, text)
    assert chat(target, "a").headers["X-Cache"] == "HIT"
    assert chat(target, "b").headers["X-Cache"] == "MISS"


def test_rag_answers_go_through_the_cache(shared_target, user_id):
    shared_target.post("/v1/memories", {"user_id": user_id, "content": "I keep bees"})
    body = {"user_id": user_id, "question": "what do I keep?", "top_k": 1}
    assert shared_target.post("/v1/rag/query", body).headers["X-Cache"] == "MISS"
    assert shared_target.post("/v1/rag/query", body).headers["X-Cache"] == "HIT"


class FakeClock:
    def __init__(self) -> None:
        self.now_s = 0.0

    def __call__(self) -> float:
        return self.now_s


def test_lru_ttl_cache_unit():
    clock = FakeClock()
    cache = LruTtlCache[int](max_entries=2, ttl_s=10, clock=clock)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recently used
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)
    clock.now_s = 9.9
    assert cache.get("a") == 1
    clock.now_s = 10.0
    assert cache.get("a") is None and len(cache) == 1
    cache.put("c", 4)  # a new put renews the time to live
    clock.now_s = 19.9
    assert cache.get("c") == 4


@pytest.mark.parametrize("kwargs", [{"max_entries": 0, "ttl_s": 1}, {"max_entries": 1, "ttl_s": 0}])
def test_lru_ttl_cache_rejects_bad_sizes(kwargs):
    with pytest.raises(ValueError):
        LruTtlCache(**kwargs)
