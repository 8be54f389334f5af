"""The target's figures from its Prometheus series (memload.analysis.figures.monitored): the
standard process series when memload sampled no process of the target (the README's CI example
against a service started by hand), the cache counters and any series [monitor] names, against
hand-computed values; and, on a synthetic results directory, a named series as a threshold figure
that fails a run, and the reason a figure has no value."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from memload import names as C
from memload.analysis.figures.analyse import analyse
from memload.analysis.figures.monitored import monitored_figures
from memload.analysis.read.window import Window
from memload.analysis.writers.markdown import render_markdown
from synthetic import START_UNIX, SyntheticRun, write_synthetic_run

T0 = 1_700_000_000.0
WINDOW = Window(
    run_start_unix=T0, run_end_unix=T0 + 40.5, warmup_s=10.0, start_unix=T0 + 10, end_unix=T0 + 40.5
)
MB = 1024 * 1024


def _scrapes() -> pd.DataFrame:
    rows = []
    for k in range(41):
        t = T0 + k + 0.5
        warm = k < 10  # warm-up scrapes are huge: they must not count
        rows.append([t, C.METRIC_PROCESS_RSS, "", (900 if warm else 100 + (50 if k == 25 else 0)) * MB])
        rows.append([t, C.METRIC_PROCESS_CPU, "", 0.3 * k])  # 30 % of one core
        rows.append([t, C.METRIC_PROCESS_FDS, "", 40 + (7 if k == 33 else 0)])
        rows.append([t, "app_queue_depth", 'shard="a"', 2.0 + (10 if k == 20 else 0)])
        rows.append([t, "app_queue_depth", 'shard="b"', 1.0])
        rows.append([t, "app_jobs_total", "", 5.0 * k])
        rows.append([t, "app_hits_total", "", 9.0 * k])
        rows.append([t, "app_misses_total", "", 1.0 * k])
        # a histogram (seconds): per second 10 requests in (0, 0.01], 10 in (0.01, 0.1]
        for le, per_s in (("0.01", 10), ("0.1", 20), ("+Inf", 20)):
            rows.append([t, "app_latency_seconds_bucket", f'le="{le}",route="/x"', per_s * k])
        rows.append([t, "app_latency_seconds_count", 'route="/x"', 20 * k])
    return pd.DataFrame(rows, columns=[C.TM_TIMESTAMP, C.TM_METRIC, C.TM_LABELS, C.TM_VALUE])


MONITOR = {
    "cache_hits": "app_hits_total",
    "cache_misses": "app_misses_total",
    "series": ["app_queue_depth", "app_jobs", "app_latency_seconds"],
}


def test_the_standard_process_series_give_the_target_figures_when_no_process_was_sampled():
    meta = {C.RUN_SCENARIO: {C.SCENARIO_MONITOR: MONITOR}}
    figures = monitored_figures(_scrapes(), WINDOW, meta, sampled=False)
    assert figures["target.rss_mb"] == pytest.approx(150.0)
    assert figures["target.cpu_pct"] == pytest.approx(30.0)
    assert figures["target.cpu_pct_max"] == pytest.approx(30.0)
    assert figures["target.num_fds"] == 47
    assert figures["target.cache_hit_rate"] == pytest.approx(0.9)
    assert figures["target.app_queue_depth.max"] == 13.0  # summed over its label sets
    assert figures["target.app_queue_depth.mean"] == pytest.approx(3.0 + 10 / 31)
    assert figures["target.app_jobs.per_s"] == pytest.approx(5.0)
    assert figures["target.app_latency_seconds.per_s"] == pytest.approx(20.0)
    assert figures["target.app_latency_seconds.p50_ms"] == pytest.approx(
        10.0
    )  # the 10th of 20: the first bucket's top
    assert figures["target.app_latency_seconds.p95_ms"] == pytest.approx(10 + 90 * 0.9)
    sampled = monitored_figures(_scrapes(), WINDOW, meta, sampled=True)
    assert "target.rss_mb" not in sampled  # psutil's samples are the figures then
    assert "target.cache_hit_rate" not in monitored_figures(_scrapes(), WINDOW, {}, sampled=True)


def _service_started_by_hand(run_dir, *, monitor, thresholds, series_rows=True):
    write_synthetic_run(run_dir, SyntheticRun(duration_s=30, warmup_s=5.0, histograms=False))
    resources = pd.read_csv(run_dir / C.RESOURCES_CSV)
    resources[resources[C.RES_ROLE] != C.ROLE_TARGET].to_csv(run_dir / C.RESOURCES_CSV, index=False)
    rows = []
    for k in range(31):
        t = START_UNIX + k + 0.02
        rows += [
            [t, C.METRIC_PROCESS_RSS, "", 200 * MB],
            [t, C.METRIC_PROCESS_CPU, "", 0.5 * k],
            [t, C.METRIC_PROCESS_FDS, "", 25.0],
        ]
        if series_rows:
            rows.append([t, "app_queue_depth", "", 40.0])
            for le, per_s in (("0.002", 100), ("0.004", 200), ("+Inf", 200)):  # half ≤ 2 ms, half ≤ 4 ms
                rows.append([t, "app_req_seconds_bucket", f'le="{le}"', per_s * k])
    extra = pd.DataFrame(rows, columns=[C.TM_TIMESTAMP, C.TM_METRIC, C.TM_LABELS, C.TM_VALUE])
    scraped = pd.read_csv(run_dir / C.TARGET_METRICS_CSV)
    pd.concat([scraped, extra]).to_csv(run_dir / C.TARGET_METRICS_CSV, index=False)
    meta = json.loads((run_dir / C.RUN_JSON).read_text())
    meta[C.RUN_SCENARIO] = {C.SCENARIO_MONITOR: monitor}
    meta[C.RUN_THRESHOLDS] = thresholds
    (run_dir / C.RUN_JSON).write_text(json.dumps(meta))
    return analyse(run_dir)


def test_a_service_memload_did_not_start_has_its_figures_and_a_named_series_can_fail_the_run(tmp_path):
    analysis = _service_started_by_hand(
        tmp_path,
        monitor={"series": ["app_queue_depth", "app_req_seconds"]},
        thresholds={
            "target.rss_mb": "< 512",
            "target.cpu_pct": "< 80",
            "target.num_fds": "< 100",
            "target.app_queue_depth.max": "< 10",
        },
    )
    results = {r.threshold.address: r for r in analysis.results}
    assert results["target.rss_mb"].measured == pytest.approx(200.0) and results["target.rss_mb"].passed
    assert results["target.cpu_pct"].measured == pytest.approx(50.0) and results["target.cpu_pct"].passed
    assert results["target.num_fds"].passed
    assert results["target.app_queue_depth.max"].measured == 40.0
    assert not results["target.app_queue_depth.max"].passed  # the named series fails the run
    assert analysis.figures["target.app_req_seconds.p50_ms"] == pytest.approx(2.0)
    markdown = render_markdown(analysis)  # the server's own latency beside memload's
    table = markdown[markdown.index("### The service's own series") :]
    assert "| app_queue_depth | 40 | 40 |" in table and "| app_req_seconds |" in table
    assert "| memload: total, at the client |" in table


def test_a_figure_without_a_source_says_which_source_was_missing(tmp_path):
    analysis = _service_started_by_hand(
        tmp_path,
        monitor={"series": ["app_queue_depth"]},
        series_rows=False,
        thresholds={"target.threads": "< 100", "target.app_queue_depth.max": "< 10"},
    )
    reasons = [w for w in analysis.warnings if ": not measured: " in w]
    assert any(
        w.startswith("target.threads: not measured: memload did not start the target")
        and "[monitor] pids" in w
        for w in reasons
    ), reasons
    assert any(
        w.startswith("target.app_queue_depth.max: not measured: the series app_queue_depth") for w in reasons
    )
