"""Run by test_memory.py in a child process (Locust monkey-patches the interpreter): memload's
trims of Locust's per-second counters, chart history and response-time cache."""
from __future__ import annotations

from gevent import monkey

monkey.patch_all()


def check_per_second_counters_keep_only_the_last_minute() -> None:
    """On the master Locust keeps a count for every second of the run (it reads the last ~12 s);
    memload's recorder trims them, or the master grew ~1.5 MB an hour."""
    from locust.stats import RequestStats

    from memload.loadgen.trims import PER_SECOND_KEEP_S, trim_per_second_counters

    stats = RequestStats()
    entry = stats.get("search", "POST")
    for second in range(1_800_000_000, 1_800_003_600):
        entry.num_reqs_per_sec[second] += 5
        stats.total.num_reqs_per_sec[second] += 5
        entry.num_fail_per_sec[second] += 1
    trim_per_second_counters(stats, now_s=1_800_003_600.5)
    for per_second in (entry.num_reqs_per_sec, entry.num_fail_per_sec, stats.total.num_reqs_per_sec):
        assert sorted(per_second) == list(range(1_800_003_600 - PER_SECOND_KEEP_S, 1_800_003_600))


def check_chart_history_is_trimmed_only_when_nothing_draws_it() -> None:
    from types import SimpleNamespace

    from locust.stats import RequestStats

    from memload.loadgen.trims import HISTORY_KEEP, trim_chart_history

    def environment(web_ui=None, html_file=None):
        stats = RequestStats()
        stats.history = [{"time": i} for i in range(100)]
        return SimpleNamespace(stats=stats, web_ui=web_ui, parsed_options=SimpleNamespace(html_file=html_file))

    headless, web, html = environment(), environment(web_ui=object()), environment(html_file="r.html")
    for env in (headless, web, html):
        trim_chart_history(env)
    assert [h["time"] for h in headless.stats.history] == list(range(100 - HISTORY_KEEP, 100))
    assert len(web.stats.history) == len(html.stats.history) == 100


def check_response_times_cache_trim_changes_no_current_percentile() -> None:
    """Two masters get the same reports from two workers (every 3 s, 1.5 s apart) over five
    minutes of a widening latency tail, on a fake clock; one has its response-time cache trimmed
    every second. Every current percentile Locust computes, read every half second, is the same in
    both, while the trimmed cache holds at most 9 copies, all frozen."""
    import random
    import time as real_time

    import locust.stats as locust_stats
    from locust.event import Events
    from locust.stats import RequestStats, setup_distributed_stats_event_listeners

    from memload.loadgen.trims import FrozenCounts, trim_response_times_cache

    clock = [1_800_000_000.0]

    class FakeTime:
        def __getattr__(self, name):
            return getattr(real_time, name)

        def time(self):
            return clock[0]

    locust_stats.time = FakeTime()
    masters = []
    for _ in range(2):
        stats, events = RequestStats(use_response_times_cache=True), Events()
        setup_distributed_stats_event_listeners(events, stats)
        masters.append((stats, events))
    workers = []
    for _ in range(2):
        stats, events = RequestStats(use_response_times_cache=False), Events()
        setup_distributed_stats_event_listeners(events, stats)
        workers.append((stats, events))
    rng = random.Random(5)
    trimmed, untouched = masters[0][0], masters[1][0]
    compared = 0
    for step in range(600):  # half seconds
        clock[0] = 1_800_000_000.0 + step / 2
        for stats, _ in workers:
            for i in range(25):
                name = ("search", "get_memory")[i % 2]
                tail = 1.0 + step / 60  # the tail widens over the run
                stats.log_request("POST", name, int(rng.lognormvariate(3.0, 0.4 * tail)), 100)
        for index, (stats, events) in enumerate(workers):
            if step % 6 == 3 * index:  # each worker every 3 s, 1.5 s apart
                data = {}
                events.report_to_master.fire(client_id=f"w{index}", data=data)
                stats.reset_all()
                for _, master_events in masters:
                    master_events.worker_report.fire(client_id=f"w{index}", data=data)
        if step % 2 == 0:
            trim_response_times_cache(trimmed, now_s=clock[0])
        for a, b in ((trimmed.total, untouched.total),
                     *((trimmed.entries[k], untouched.entries[k]) for k in untouched.entries)):
            for percent in (0.5, 0.95, 0.99, 1.0):
                current = a.get_current_response_time_percentile(percent)
                assert current == b.get_current_response_time_percentile(percent), (step, a.name, percent)
                compared += current is not None
            if step % 2 == 0:
                assert len(a.response_times_cache) <= 9, (step, list(a.response_times_cache))
                assert all(isinstance(c.response_times, FrozenCounts) for c in a.response_times_cache.values())
    assert compared > 5000, compared  # most readings found a cached copy: the comparison was real
    assert len(untouched.total.response_times_cache) == 20
    locust_stats.time = real_time


if __name__ == "__main__":
    check_per_second_counters_keep_only_the_last_minute()
    check_chart_history_is_trimmed_only_when_nothing_draws_it()
    check_response_times_cache_trim_changes_no_current_percentile()
    print("3 checks passed")
