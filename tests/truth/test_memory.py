"""e. The load generator's memory stays flat: a 10-minute run at 500 requests/s with two workers,
RSS of the master and of each worker from resources.csv, a least-squares line after the first
minute. Slow (11 minutes): benchmarks/bench_truth.py memory prints the same figures."""
from __future__ import annotations

import pytest

import bench_truth


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_master_and_worker_memory_is_flat_over_ten_minutes(work) -> None:
    result = bench_truth.proof_memory(work, minutes=10, rate=500)
    assert result["rps"] >= 490 and result["failures"] == 0, result
    assert {"locust-master", "locust-worker-1", "locust-worker-2"} <= set(result["roles"])
    for role, slope in result["roles"].items():
        assert abs(slope["slope_mb_per_h"]) < 1.0, (role, slope)


def test_drained_merged_and_written_histograms_are_freed_without_the_cyclic_collector(tmp_path) -> None:
    """hdrh's histogram and encoder refer to each other; memload breaks that cycle when it drops a
    histogram, so nothing waits for the collector (which left alone let RSS grow for minutes)."""
    import gc

    from hdrh.histogram import HdrHistogram

    from memload.histograms import IntervalStore, StoreWriter, interval_of

    workers, master, writer = [IntervalStore(), IntervalStore()], IntervalStore(), StoreWriter(tmp_path)
    gc.collect()
    gc.disable()
    try:
        for step in range(40):  # two minutes of 3 s worker reports and 6 s flushes
            now = 1_800_000_000.0 + 3 * step
            for worker in workers:
                for i in range(30):
                    worker.record(("search", "get_memory")[i % 2], "response_ms", 1.0 + i, unix_s=now + i * 0.1)
                master.merge(worker.drain())
            if step % 2:
                writer.write(master.pop_closed(before_interval=interval_of(now - 18)))
        alive = sum(isinstance(o, HdrHistogram) for o in gc.get_objects())
        assert alive <= len(master.histograms) + 2, alive  # the master's open intervals (and no garbage)
    finally:
        gc.enable()


def test_locusts_per_second_counters_keep_only_the_last_minute() -> None:
    """On the master Locust keeps a count for every second of the run (it reads the last ~12 s);
    memload's recorder trims them, or the master grew ~1.5 MB an hour."""
    from locust.stats import RequestStats

    from memload.recorder import PER_SECOND_KEEP_S, trim_per_second_counters

    stats = RequestStats()
    entry = stats.get("search", "POST")
    for second in range(1_800_000_000, 1_800_003_600):
        entry.num_reqs_per_sec[second] += 5
        stats.total.num_reqs_per_sec[second] += 5
        entry.num_fail_per_sec[second] += 1
    trim_per_second_counters(stats, now_s=1_800_003_600.5)
    for per_second in (entry.num_reqs_per_sec, entry.num_fail_per_sec, stats.total.num_reqs_per_sec):
        assert sorted(per_second) == list(range(1_800_003_600 - PER_SECOND_KEEP_S, 1_800_003_600))


def test_locusts_chart_history_is_trimmed_only_when_nothing_draws_it() -> None:
    from types import SimpleNamespace

    from locust.stats import RequestStats

    from memload.recorder import HISTORY_KEEP, trim_chart_history

    def environment(web_ui=None, html_file=None):
        stats = RequestStats()
        stats.history = [{"time": i} for i in range(100)]
        return SimpleNamespace(stats=stats, web_ui=web_ui, parsed_options=SimpleNamespace(html_file=html_file))

    headless, web, html = environment(), environment(web_ui=object()), environment(html_file="r.html")
    for env in (headless, web, html):
        trim_chart_history(env)
    assert [h["time"] for h in headless.stats.history] == list(range(100 - HISTORY_KEEP, 100))
    assert len(web.stats.history) == len(html.stats.history) == 100
