"""Run by test_memory.py in a child process (Locust monkey-patches the interpreter): memload's
trims of Locust's per-second counters and chart history."""
from __future__ import annotations

from gevent import monkey

monkey.patch_all()


def check_per_second_counters_keep_only_the_last_minute() -> None:
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


def check_chart_history_is_trimmed_only_when_nothing_draws_it() -> None:
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


if __name__ == "__main__":
    check_per_second_counters_keep_only_the_last_minute()
    check_chart_history_is_trimmed_only_when_nothing_draws_it()
    print("2 checks passed")
