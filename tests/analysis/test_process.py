"""Process figures (target, loadgen) and the cache hit rate, against hand-computed values."""
from __future__ import annotations

import pandas as pd
import pytest

from memload.analysis.figures.process import cache_hit_rate, monotone_counter, process_figures
from memload.analysis.read.window import Window

from analysis_testkit import T0

WINDOW = Window(run_start_unix=T0, run_end_unix=T0 + 40.5, warmup_s=10.0, start_unix=T0 + 10,
                end_unix=T0 + 40.5)


def _resources() -> pd.DataFrame:
    rows = []
    for k in range(0, 41):
        t = T0 + k
        warm = k < 10  # warm-up samples are huge: they must not count
        rows.append([t + 0.001, "target", 1, 500.0 if warm else (100.0 if k == 20 else 30.0),
                     900.0 if warm else (250.0 if k == 25 else 100.0), 8, 40])
        rows.append([t + 0.002, "target", 2, 20.0, 50.0, 4, 10 + (5 if k == 33 else 0)])
        rows.append([t + 0.003, "locust-master", 10, 20.0, 60.0, 3, 20])
        rows.append([t + 0.004, "locust-worker-1", 11, 95.0 if k in (12, 13) else 80.0, 70.0, 5, 25])
    frame = pd.DataFrame(rows, columns=["timestamp", "role", "pid", "cpu_pct", "rss_mb", "threads", "num_fds"])
    frame["role"] = frame["role"].astype("category")
    return frame


def test_target_figures_sum_its_processes_per_sample() -> None:
    figures, _ = process_figures(_resources(), WINDOW)
    # samples T0+10 .. T0+40 (31): CPU 30 + 20, except 100 + 20 at T0+20
    assert figures["target.cpu_pct"] == pytest.approx((30 * 50 + 120) / 31)
    assert figures["target.cpu_pct_max"] == 120.0
    assert figures["target.rss_mb"] == 300.0  # 250 + 50 at T0+25
    assert figures["target.num_fds"] == 55.0 and figures["target.threads"] == 12.0


def test_loadgen_cpu_is_the_busiest_process_and_warns_above_90() -> None:
    figures, warnings = process_figures(_resources(), WINDOW)
    assert figures["loadgen.cpu_pct"] == pytest.approx((29 * 80 + 2 * 95) / 31)
    assert figures["loadgen.cpu_pct_max"] == 95.0
    assert figures["loadgen.rss_mb"] == 130.0 and figures["loadgen.threads"] == 8.0
    assert warnings == ["load generator above 90% CPU: locust-worker-1 (pid 11) peaked at 95% and was "
                        "above 90% in 2 of 31 samples; latencies may include its own queueing"]


def test_no_warning_when_the_load_generator_stays_below_90() -> None:
    resources = _resources()
    resources.loc[resources["cpu_pct"] == 95.0, "cpu_pct"] = 85.0
    assert process_figures(resources, WINDOW)[1] == []


def test_a_counter_reset_restarts_from_zero() -> None:
    assert list(monotone_counter(pd.Series([5.0, 7.0, 2.0, 4.0]).to_numpy())) == [5.0, 7.0, 9.0, 11.0]


def _scraped(total_at, k: int) -> float:
    """A counter as scraped: the target restarted just before T0+30, so it counts from 0 again."""
    return total_at(k) - total_at(29) if k >= 30 else total_at(k)


def test_cache_hit_rate_over_the_window_sums_labels_and_survives_a_restart() -> None:
    misses_at = lambda k: 6.0 * min(k, 10) + 1.0 * max(k - 10, 0)  # 6/s in the warm-up, then 1/s
    rows = []
    for k in range(0, 41):
        rows.append([T0 + k + 0.5, "memload_cache_hits_total", 'route="/a"', _scraped(lambda i: 4.0 * i, k)])
        rows.append([T0 + k + 0.5, "memload_cache_hits_total", 'route="/b"', _scraped(lambda i: 5.0 * i, k)])
        rows.append([T0 + k + 0.5, "memload_cache_misses_total", "", _scraped(misses_at, k)])
    frame = pd.DataFrame(rows, columns=["timestamp", "metric", "labels", "value"])
    # scrapes T0+10.5 .. T0+40.5: 30 seconds of 4 + 5 hits and 1 miss each
    assert cache_hit_rate(frame, WINDOW) == pytest.approx(0.9)
    assert cache_hit_rate(frame[frame["metric"] != "memload_cache_misses_total"], WINDOW) is None
