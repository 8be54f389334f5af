"""The soak analysis against known truths (issue 13), on synthetic directories (synthetic_soak.py):
a 2-hour run whose target RSS rises 20 MB/h and fds 6 per hour, one load-generator worker leaking
10 MB/h, and 3 minutes of 30 % search errors an hour in; and flat runs (noise only) over five seeds
that must raise no alarm."""

from __future__ import annotations

from pathlib import Path

import pytest

from memload.analysis.figures.analyse import Analysis, analyse
from memload.analysis.soak.analyse import SoakAnalysis, not_soak_reason
from memload.analysis.soak.verdict import leak_verdict
from synthetic_soak import BURST_MESSAGE, SoakSpec, SoakTruth, flat, write_soak_run

SPEC = SoakSpec(harness_rss_slope_mb_per_h={"locust-worker-2": 10.0})


@pytest.fixture(scope="module")
def leaking(tmp_path_factory: pytest.TempPathFactory) -> tuple[SoakTruth, Analysis]:
    truth = write_soak_run(tmp_path_factory.mktemp("soak") / "run", SPEC)
    return truth, analyse(truth.run_dir)


def _soak(analysis: Analysis) -> SoakAnalysis:
    assert analysis.soak is not None
    return analysis.soak


def test_the_rss_and_fd_slopes_are_found_within_10_percent(leaking: tuple[SoakTruth, Analysis]) -> None:
    _, analysis = leaking
    soak = _soak(analysis)
    for column, truth in (("rss_mb", SPEC.rss_slope_mb_per_h), ("num_fds", SPEC.fd_slope_per_h)):
        found = soak.trend_of("target", column)
        assert found is not None and found.trend is not None
        assert abs(found.trend.slope - truth) <= 0.1 * truth, column
        assert found.trend.low <= truth <= found.trend.high, column
        assert found.leaking
    assert analysis.figures["target.rss_slope_mb_per_h"] == analysis.figures["soak.target_rss_slope_mb_per_h"]
    assert analysis.figures["target.num_fds_slope_per_h"] == pytest.approx(SPEC.fd_slope_per_h, rel=0.1)
    threads = soak.trend_of("target", "threads")
    assert threads is not None and not threads.leaking


def test_the_leaks_are_flagged_and_the_limit_projected(leaking: tuple[SoakTruth, Analysis]) -> None:
    _, analysis = leaking
    soak = _soak(analysis)
    assert [t.name for t in soak.leaks] == ["target RSS", "target fds", "locust-worker-2 RSS"]
    assert analysis.figures["soak.leaks"] == 3
    assert analysis.figures["loadgen.rss_slope_mb_per_h"] == pytest.approx(10.0, rel=0.1)
    # 512 MB from 180 + 20 × 2 h = 220 MB at the end: (512 - 220) / 20 = 14.6 h
    assert analysis.figures["soak.hours_to_rss_limit"] == pytest.approx(14.6, rel=0.1)
    verdict = leak_verdict(soak)
    assert verdict.startswith("LEAK: target RSS rising 20") and "(Mann–Kendall p < 0.001): 512 MB in 14." in verdict
    assert "load generator locust-worker-2 RSS rising" in verdict


def test_the_burst_is_found_at_its_time_with_its_failures(leaking: tuple[SoakTruth, Analysis]) -> None:
    truth, analysis = leaking
    soak = _soak(analysis)
    assert analysis.figures["soak.error_bursts"] == 1
    (burst,) = soak.bursts
    assert truth.burst_start_unix is not None and truth.burst_end_unix is not None
    assert abs(burst.start_unix - truth.burst_start_unix) <= 10 and abs(burst.end_unix - truth.burst_end_unix) <= 10
    assert burst.failures == truth.burst_failures and burst.operations == ["search"]
    assert burst.error_rate == pytest.approx(0.3, abs=0.02)
    assert burst.kinds[0] == ("search", BURST_MESSAGE, truth.burst_failures)


def test_windows_and_drift_of_a_steady_latency(leaking: tuple[SoakTruth, Analysis]) -> None:
    _, analysis = leaking
    soak = _soak(analysis)
    assert len(soak.windows) == 10  # 1.92 h of steady load: tenths
    assert all(w.figures["total.rps"] == pytest.approx(300.0) for w in soak.windows)
    rss = [w.figures["target.rss_mb"] for w in soak.windows]
    assert rss == sorted(rss) and rss[-1] - rss[0] == pytest.approx(20.0 * 1.92 * 0.9, rel=0.15)
    assert abs(analysis.figures["soak.p95_drift_pct"]) < 10


@pytest.mark.parametrize("seed", [11, 12, 13, 14, 15])
def test_a_flat_run_raises_no_alarm(tmp_path: Path, seed: int) -> None:
    run_dir = write_soak_run(tmp_path / "flat", flat(hours=1.0, operations=("search",), seed=seed)).run_dir
    analysis = analyse(run_dir)
    soak = _soak(analysis)
    assert soak.leaks == [] and analysis.figures["soak.leaks"] == 0
    assert soak.bursts == [] and analysis.figures["soak.error_bursts"] == 0
    assert abs(analysis.figures["target.rss_slope_mb_per_h"]) < 1.0
    assert leak_verdict(soak).startswith("no leak found: target RSS ")


def test_which_runs_get_a_soak_analysis() -> None:
    constant = {"scenario": {"load": {"shape": "constant"}}}
    assert not_soak_reason(constant, 600.0) is None
    assert not_soak_reason({}, 3600.0) is None  # a plain Locust directory
    assert "under the 10 min" in (not_soak_reason(constant, 599.0) or "")
    assert "'steps'" in (not_soak_reason({"scenario": {"load": {"shape": "steps"}}}, 7200.0) or "")


def test_the_windows_of_the_one_pass_equal_an_exact_merge_of_each_window(
    leaking: tuple[SoakTruth, Analysis],
) -> None:
    """The report merges every soak window's histogram in its single pass over the rows
    (``merge_histograms(split_edges=…)``); each equals the window merged on its own."""
    from dataclasses import replace

    import numpy as np

    from memload import names as C
    from memload.analysis.figures.exact import exact_view
    from memload.analysis.read.intervals import TOTAL
    from memload.analysis.soak.windows import response_rows, window_edges, window_histograms

    _, analysis = leaking
    files, window = analysis.data.intervals, analysis.window
    assert files is not None
    edges = window_edges(window)
    one_pass = exact_view(files, window, with_series=False, split_edges=edges).merged.split_response
    alone = window_histograms(response_rows(files), edges)
    assert len(one_pass) == len(alone) == len(edges) - 1 == len(_soak(analysis).windows)
    for index, (start, end) in enumerate(zip(edges[:-1], edges[1:])):
        middles = files.histograms[C.HDR_INTERVAL].to_numpy(dtype=float) + C.INTERVAL_S / 2.0
        inside = (middles >= start) & (middles < end)
        part = type(files)(histograms=files.histograms[inside], counts=files.counts)
        by_itself = exact_view(part, replace(window, warmup_s=0.0, start_unix=start, end_unix=end), with_series=False)
        expected = by_itself.histogram(TOTAL, C.METRIC_RESPONSE)
        assert expected is not None and expected.sum() > 0
        assert np.array_equal(one_pass[index], expected), index
        assert np.array_equal(alone[index], expected), index


def test_a_load_generator_fd_leak_is_flagged_with_its_slope(tmp_path: Path) -> None:
    """The harness's own fds and threads get trends as the target's do (issue 13: leak detection on
    the harness's own processes); its RSS, fds and threads flat elsewhere."""
    spec = flat(SoakSpec(harness_fd_slope_per_h={"locust-worker-1": 30.0}))
    analysis = analyse(write_soak_run(tmp_path / "run", spec).run_dir)
    soak = _soak(analysis)
    assert [t.name for t in soak.leaks] == ["locust-worker-1 fds"]
    assert analysis.figures["loadgen.num_fds_slope_per_h"] == pytest.approx(30.0, rel=0.1)
    assert analysis.figures["loadgen.threads_slope_per_h"] == pytest.approx(0.0, abs=0.5)
    assert abs(analysis.figures["loadgen.rss_slope_mb_per_h"]) < 1.0
    verdict = leak_verdict(soak)
    assert verdict.startswith("LEAK: load generator locust-worker-1 fds rising 30"), verdict
