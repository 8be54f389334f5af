"""abort_on_fail (issue 17): the threshold table, the live figures it is judged on, and a real run
that a failing threshold stops within its delay plus one evaluation."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

from memload import names as C
from memload.analysis.read.hdr import percentile_values, scale_of
from memload.loadgen.histograms import IntervalStore
from memload.loadgen.live.metrics import AbortWatch, LiveTotals
from memload.scenario.thresholds import ThresholdError, parse_thresholds
from memload_cli import only_run_dir, run_memload


def test_a_threshold_table_says_when_to_abort() -> None:
    [rule] = parse_thresholds(
        {"total.error_rate": {"condition": "< 0.05", "abort_on_fail": True, "delay": "30s"}}
    )
    assert (rule.op, rule.limit, rule.abort_on_fail, rule.abort_delay_s) == ("<", 0.05, True, 30.0)
    with pytest.raises(ThresholdError, match="abort_on_fail is evaluated during the run"):
        parse_thresholds({"target.rss_mb": {"condition": "< 512", "abort_on_fail": True}})
    with pytest.raises(ThresholdError, match="unknown key"):
        parse_thresholds({"total.error_rate": {"condition": "< 1", "abort": True}})


def _store(
    values_ms: list[float], *, scope: str = "search", failures: int = 0, at: float = 1000.0
) -> IntervalStore:
    store = IntervalStore()
    for value in values_ms:
        store.record(scope, C.METRIC_RESPONSE, value, unix_s=at)
    store.count(scope, C.IC_REQUESTS, len(values_ms), unix_s=at)
    store.count(scope, C.IC_FAILURES, failures, unix_s=at)
    return store


def test_the_live_figures_are_the_reports_percentiles() -> None:
    rng = np.random.default_rng(3)
    values = list(rng.lognormal(1.5, 0.8, 5000))
    totals = LiveTotals()
    totals.add(_store(values[:2500], failures=10))
    totals.add(_store(values[2500:], scope="get_memory", at=1010.0))
    counts = (
        totals.histograms[("search", C.METRIC_RESPONSE)]
        + totals.histograms[("get_memory", C.METRIC_RESPONSE)]
    )
    report = percentile_values(counts.astype(np.uint64), [50.0, 95.0, 99.0, 100.0])  # the analysis's own
    for metric, percent in (("p50_ms", 50.0), ("p95_ms", 95.0), ("p99_ms", 99.0), ("max_ms", 100.0)):
        live = totals.figure(f"total.{metric}")
        assert live == pytest.approx(report[percent] / scale_of(C.METRIC_RESPONSE), rel=1e-9), metric
        assert live == pytest.approx(np.percentile(values, percent), rel=0.01), metric
    assert totals.figure("total.requests") == 5000 and totals.figure("search.error_rate") == 10 / 2500
    assert totals.figure("embed.p95_ms") is None


def test_the_watch_waits_for_the_delay_and_fires_once() -> None:
    watch = AbortWatch(
        parse_thresholds(
            {
                "total.p50_ms": {"condition": "< 1", "abort_on_fail": True, "delay": "20s"},
                "total.p95_ms": "< 1",
            }
        )
    )
    totals = LiveTotals()
    totals.add(_store([5.0] * 100))
    assert watch.check(totals, since_start_s=None, now_unix=1.0) is None  # the test has not started
    assert watch.check(totals, since_start_s=19.0, now_unix=2.0) is None
    fired = watch.check(totals, since_start_s=21.0, now_unix=3.0)
    assert (
        fired is not None
        and fired["address"] == "total.p50_ms"
        and fired["measured"] == pytest.approx(5.0, 0.01)
    )
    assert watch.check(totals, since_start_s=30.0, now_unix=4.0) is None


@pytest.mark.integration
def test_a_failing_abort_on_fail_threshold_stops_the_run(tmp_path: Path) -> None:
    scenario = tmp_path / "abort.toml"
    scenario.write_text(
        'name = "abort"\nseed = 3\nwarmup = "0s"\n[load]\nusers = 4\nspawn_rate = 4\nduration = "90s"\n'
        '[pacing]\nwait = "constant"\nseconds = 0.05\n[mix]\nsearch = 1\n'
        '[thresholds]\n"total.p50_ms" = { condition = "< 0.01", abort_on_fail = true, delay = "5s" }\n'
        '"total.error_rate" = "< 0.5"\n'
    )
    started = time.monotonic()
    result = run_memload("run", str(scenario), "--out", str(tmp_path / "results"), "--quiet", timeout=150)
    elapsed_s = time.monotonic() - started
    assert result.returncode == 1, result.stderr[-3000:]
    run_dir = only_run_dir(tmp_path / "results")
    aborted = json.loads((run_dir / C.RUN_JSON).read_text())[C.RUN_ABORTED]
    assert aborted["address"] == "total.p50_ms" and aborted["measured"] > 0.01
    # within the delay plus one evaluation: an interval closes every 10 s and is added ~18 s later
    assert 5.0 <= aborted["after_s"] <= 5.0 + 10.0 + 20.0
    assert elapsed_s < 80, elapsed_s  # far from the scheduled 90 s of load
    summary = json.loads((run_dir / C.REPORT_DIR / C.SUMMARY_JSON).read_text())
    assert summary["notices"][0].startswith("ABORTED: total.p50_ms < 0.01 failed during the run")
    assert "ABORTED: total.p50_ms" in result.stderr
