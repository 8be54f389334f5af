"""Each fault option is observable from outside the process."""
from __future__ import annotations

import time

import psutil
import pytest

from memload.reference.faults import FaultConfig, stall_remaining_s


def test_error_rate_1_fails_everything_but_health_and_stores_nothing(start_target):
    target = start_target("--error-rate", "1")
    reply = target.post("/v1/memories", {"user_id": "u", "content": "lost?"})
    assert reply.status_code == 500
    assert reply.json()["error"]["type"] == "injected_fault"
    assert target.get("/v1/models").status_code == 500
    health = target.get("/health")
    assert health.status_code == 200 and health.json()["memories"] == 0
    assert target.get("/metrics").status_code == 200
    assert 'route="/v1/memories",status="500"' in target.get("/metrics").text


def test_error_rate_fails_about_that_share_of_requests(start_target):
    target = start_target("--error-rate", "0.3", "--seed", "3")
    statuses = [target.get("/v1/models").status_code for _ in range(300)]
    assert set(statuses) == {200, 500}
    assert 0.15 < statuses.count(500) / len(statuses) < 0.45


def test_added_latency_delays_every_request(start_target):
    target = start_target("--added-latency-ms", "150")
    for _ in range(3):
        started = time.perf_counter()
        assert target.get("/v1/models").status_code == 200
        assert time.perf_counter() - started >= 0.150


def test_periodic_stall_holds_responses(start_target):
    target = start_target("--stall-every-s", "1.0", "--stall-for-s", "0.6")
    latencies_s = []
    deadline = time.monotonic() + 2.5
    while time.monotonic() < deadline:
        started = time.perf_counter()
        assert target.get("/v1/models").status_code == 200
        latencies_s.append(time.perf_counter() - started)
    assert max(latencies_s) >= 0.3  # at least one request waited through most of a stall
    assert min(latencies_s) < 0.3  # and the open part of each window answers at once
    assert target.get("/health").json()["faults"]["stall_for_s"] == 0.6


def test_leak_grows_the_resident_set(start_target):
    leak_bytes = 2_000_000
    target = start_target("--leak-bytes-per-request", str(leak_bytes))
    process = psutil.Process(target.process.pid)
    target.get("/v1/models")
    before = process.memory_info().rss
    for _ in range(40):
        target.get("/v1/models")
    grown = process.memory_info().rss - before
    assert grown >= 0.75 * 40 * leak_bytes
    assert target.get("/health").json()["faults"]["leaked_bytes"] == 41 * leak_bytes


def test_stall_arithmetic():
    assert stall_remaining_s(elapsed_s=0.1, stall_every_s=2, stall_for_s=0.5) == pytest.approx(0.4)
    assert stall_remaining_s(elapsed_s=2.3, stall_every_s=2, stall_for_s=0.5) == pytest.approx(0.2)
    assert stall_remaining_s(elapsed_s=1.0, stall_every_s=2, stall_for_s=0.5) == 0.0
    assert stall_remaining_s(elapsed_s=1.0, stall_every_s=0, stall_for_s=0) == 0.0


@pytest.mark.parametrize("kwargs", [
    {"error_rate": 1.5}, {"added_latency_ms": -1}, {"stall_every_s": 1, "stall_for_s": 1},
    {"stall_for_s": 0.5}, {"leak_bytes_per_request": -1},
])
def test_fault_config_rejects_nonsense(kwargs):
    with pytest.raises(ValueError):
        FaultConfig(**kwargs)


def test_added_latency_on_one_route_only(start_target):
    target = start_target("--added-latency-ms-on", "list_models=150")
    started = time.perf_counter()
    assert target.get("/v1/models").status_code == 200
    assert time.perf_counter() - started >= 0.150
    started = time.perf_counter()
    assert target.post("/v1/memories", {"user_id": "u", "content": "quick"}).status_code == 201
    assert time.perf_counter() - started < 0.150
    assert target.get("/health").json()["faults"]["added_latency_ms_on"] == {"list_models": 150.0}


def test_added_latency_on_parses_route_ms_pairs():
    from memload.reference.faults import parse_latency_on

    assert parse_latency_on("search=20, llm_chat=1.5") == (("search", 20.0), ("llm_chat", 1.5))
    assert parse_latency_on("") == ()
    for bad in ("search", "search=x", "=5", "search=-1", "search=inf"):
        with pytest.raises(ValueError, match="is not ROUTE=MS"):
            parse_latency_on(bad)
    with pytest.raises(ValueError):
        FaultConfig(added_latency_ms_on=(("search", -1.0),))
