"""/metrics: requests and latency per route rule, cache, memories, users, process memory."""
from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families


def samples(target):
    text = target.get("/metrics").text
    return [s for family in text_string_to_metric_families(text) for s in family.samples]


def value(all_samples, name, **labels):
    matches = [s.value for s in all_samples if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())]
    assert matches, (name, labels)
    return sum(matches)


def test_metrics_count_requests_per_route_rule(start_target):
    target = start_target()
    ids = [target.post("/v1/memories", {"user_id": f"u{i % 2}", "content": f"m {i}"}).json()["id"] for i in range(3)]
    for memory_id in ids:
        target.get(f"/v1/memories/{memory_id}", params={"user_id": "u0"})
    target.post("/v1/memories", {"user_id": 1})
    target.get("/no/such/route")
    all_samples = samples(target)
    assert value(all_samples, "memload_http_requests_total", route="/v1/memories", method="POST", status="201") == 3
    assert value(all_samples, "memload_http_requests_total", route="/v1/memories", method="POST", status="400") == 1
    by_id = [s for s in all_samples if s.name == "memload_http_requests_total" and s.labels["route"] == "/v1/memories/<id>"]
    assert {s.labels["status"]: s.value for s in by_id} == {"200": 2, "404": 1}
    assert not any(memory_id in str(s.labels) for s in all_samples for memory_id in ids)
    assert value(all_samples, "memload_http_requests_total", route="unmatched", status="404") == 1
    assert value(all_samples, "memload_http_request_duration_seconds_count", route="/v1/memories", method="POST") == 4
    buckets = [s for s in all_samples if s.name == "memload_http_request_duration_seconds_bucket"
               and s.labels["route"] == "/v1/memories/<id>"]
    assert len(buckets) > 10 and buckets[-1].labels["le"] == "+Inf" and buckets[-1].value == 3
    assert value(all_samples, "memload_memories_stored") == 3
    assert value(all_samples, "memload_users") == 2
    assert value(all_samples, "process_resident_memory_bytes") > 10_000_000
    assert not any(s.name.endswith("_created") for s in all_samples)


def test_stream_duration_covers_the_whole_stream(start_target, chat_stream):
    target = start_target("--seed", "2")
    body = {"model": "gpt-3.5-turbo", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 4, "stream": True}
    _, _, arrivals = chat_stream(target, body)
    total = value(samples(target), "memload_http_request_duration_seconds_sum", route="/v1/chat/completions")
    assert total >= 0.9 * arrivals[-1] - 0.05


def test_gauges_follow_deletes(start_target):
    target = start_target()
    memory_id = target.post("/v1/memories", {"user_id": "solo", "content": "only one"}).json()["id"]
    assert value(samples(target), "memload_users") == 1
    target.delete(f"/v1/memories/{memory_id}", params={"user_id": "solo"})
    all_samples = samples(target)
    assert value(all_samples, "memload_memories_stored") == 0 and value(all_samples, "memload_users") == 0
