"""Exact mergeable percentiles: what workers send and the master merges equals one process that
saw every sample; intervals close and leave memory; the arrival schedule has the asked-for rate."""
from __future__ import annotations

import csv
import random
import statistics

import msgpack
import pytest

from memload.loadgen.histograms import (
    IntervalStore,
    StoreWriter,
    add_sparse_buckets,
    new_histogram,
    sparse_buckets,
    to_recorded,
)
from memload.loadgen.schedule import schedule_s
from memload.scenario.load import Arrival


def samples(seed: int, n: int) -> list[float]:
    rng = random.Random(seed)
    return [rng.lognormvariate(3.0, 0.8) for _ in range(n)]  # ms, long tail


def over_the_wire(payload):
    """A worker report's round trip as Locust's rpc makes it (locust/rpc/protocol.py)."""
    return msgpack.loads(msgpack.dumps(payload), raw=False, strict_map_key=False)


def test_two_workers_merged_equal_one_process():
    t0 = 1_800_000_000.0
    one, master = IntervalStore(), IntervalStore()
    workers = [IntervalStore(), IntervalStore()]
    values = samples(1, 20_000)
    for index, value in enumerate(values):
        now = t0 + index * 0.003  # spans several 10 s intervals
        one.record("search", "response_ms", value, unix_s=now)
        workers[index % 2].record("search", "response_ms", value, unix_s=now)
        one.count("search", "requests", unix_s=now)
        workers[index % 2].count("search", "requests", unix_s=now)
    for _ in range(3):  # several reports; the last two are empty
        for worker in workers:
            master.merge(over_the_wire(worker.drain()))
    assert set(master.histograms) == set(one.histograms)
    for key, histogram in one.histograms.items():
        merged = master.histograms[key]
        assert merged.get_total_count() == histogram.get_total_count()
        assert (merged.min_value, merged.max_value) == (histogram.min_value, histogram.max_value)
        assert bytes(merged.counts) == bytes(histogram.counts)
        for percentile in (50, 90, 95, 99, 99.9, 100):
            assert merged.get_value_at_percentile(percentile) == histogram.get_value_at_percentile(percentile)
    assert dict(master.counts) == dict(one.counts)


@pytest.mark.parametrize("largest_count", [1, 255, 256, 65_536, 2**32 + 3])
def test_sparse_buckets_carry_any_count_exactly(largest_count):
    sent, received = new_histogram(), new_histogram()
    for value_us, count in ((7, 3), (52_830, largest_count), (3_599_000_000, 1)):
        sent.record_value(value_us, count)
    received.record_value(52_830, 2)
    indexes, counts, counts_dtype, low, high = over_the_wire(list(sparse_buckets(sent)))
    add_sparse_buckets(received, indexes, counts, counts_dtype, min_value=low, max_value=high)
    sent.record_value(52_830, 2)
    assert bytes(received.counts) == bytes(sent.counts)
    assert (received.get_total_count(), received.min_value, received.max_value) == \
        (sent.get_total_count(), sent.min_value, sent.max_value)


def test_recorded_values_keep_three_significant_digits():
    histogram = new_histogram()
    for value_ms in (0.731, 50.123, 1234.5):
        histogram.reset()
        histogram.record_value(to_recorded("response_ms", value_ms))
        assert histogram.get_value_at_percentile(50) / 1000 == pytest.approx(value_ms, rel=1e-3)
    assert to_recorded("response_ms", 0.0) == 1 and to_recorded("response_ms", 1e12) == 3_600_000_000


def test_closed_intervals_leave_memory_and_reach_disk(tmp_path):
    store = IntervalStore()
    for second in range(0, 60):
        store.record("create_memory", "response_ms", 5.0, unix_s=1000.0 + second)
        store.count("create_memory", "requests", unix_s=1000.0 + second)
    writer = StoreWriter(tmp_path)
    writer.write(store.pop_closed(before_interval=1040))
    assert sorted({key[0] for key in store.histograms}) == [1040, 1050]
    writer.write(store.pop_closed(before_interval=None))
    assert not store.histograms and not store.counts
    with open(tmp_path / "hdr_histograms.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    assert [int(r["interval_start"]) for r in rows] == [1000, 1010, 1020, 1030, 1040, 1050]
    assert sum(int(r["count"]) for r in rows) == 60 and {r["unit"] for r in rows} == {"us"}
    with open(tmp_path / "interval_counts.csv", newline="") as file:
        assert sum(int(r["requests"]) for r in csv.DictReader(file)) == 60


@pytest.mark.parametrize(("distribution", "burstiness", "cv"), [("constant", 1.0, 0.0), ("poisson", 1.0, 1.0),
                                                                ("gamma", 0.25, 2.0)])
def test_schedule_has_the_rate_and_the_burstiness(distribution, burstiness, cv):
    arrival = Arrival(rate=200.0, distribution=distribution, burstiness=burstiness)
    times = list(schedule_s(arrival, duration_s=100.0, processes=2, rng=random.Random(3)))
    assert len(times) == pytest.approx(100 * 100, rel=0.05)  # half of 200/s for each of 2 processes
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert statistics.pstdev(gaps) / statistics.mean(gaps) == pytest.approx(cv, abs=0.1)


def test_schedule_follows_rate_steps():
    arrival = Arrival(rate=300.0, steps=(100.0, 300.0), step_duration_s=10.0, distribution="constant")
    times = list(schedule_s(arrival, duration_s=20.0, processes=1, rng=random.Random(1)))
    assert sum(t < 10 for t in times) == pytest.approx(1000, abs=2)
    assert sum(t >= 10 for t in times) == pytest.approx(3000, abs=3)
