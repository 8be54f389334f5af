"""The statistics of comparing a baseline run with a candidate run (issue 15), on synthetic runs
written by memload's own store: per-interval samples, the test and its interval (within-run and
run-to-run noise), verdicts, the overall verdict, the settings that differ, and the false-positive
rate. The model itself on simulated levels: tests/analysis/test_compare_noise.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hdrh.histogram import HdrHistogram

from analysis_testkit import T0, hist_row, make_run, write_interval_files
from synthetic_compare import scenario_dict, synthetic_run
from memload.analysis.compare.samples import FIGURES, MIN_PERCENTILE_REQUESTS, run_samples
from memload.analysis.compare.stats import (
    IMPROVED,
    REGRESSED,
    UNCHANGED,
    Change,
    Limits,
    compare_figure,
)
from memload.analysis.compare.table import ComparisonTable, compare_runs
from memload.loadgen.histograms import new_histogram, to_recorded


def _rows(table: ComparisonTable) -> dict[str, Change]:
    return {row.address: row.change for row in table.rows}


def test_samples_are_per_interval_exact_values(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    values = [1.0 + 0.1 * i for i in range(30)]
    samples = [(T0 + 0.2 * i, "search", "response_ms", v) for i, v in enumerate(values)]  # interval T0
    samples += [(T0 + 10.5, "search", "response_ms", 7.0)] * (MIN_PERCENTILE_REQUESTS - 1)  # T0+10: too few
    samples += [(T0 + 25.0, "search", "response_ms", 3.0)] * 40
    make_run(
        run_dir,
        [hist_row(t, "search", 1) for t in range(T0 + 1, T0 + 30)],
        start_unix=float(T0),
        end_unix=float(T0 + 30),
        warmup_s=0.0,
    )
    write_interval_files(run_dir, samples, [(T0 + 1, "search", "failures", 3)])
    run = run_samples(run_dir)
    assert list(run.intervals) == [T0, T0 + 10, T0 + 20]
    search = run.scopes["search"]
    assert list(search.samples["rps"]) == [3.0, 1.9, 4.0]
    assert list(search.samples["error_rate"]) == pytest.approx([0.1, 0.0, 0.0])
    reference: HdrHistogram = new_histogram()
    for v in values:
        reference.record_value(to_recorded("response_ms", v))
    three = to_recorded("response_ms", 3.0)
    assert list(search.samples["p95_ms"]) == [
        reference.get_value_at_percentile(95) / 1000.0,
        reference.get_highest_equivalent_value(three) / 1000.0,
    ]
    assert search.whole["rps"] == pytest.approx(89 / 30) and search.whole["error_rate"] == pytest.approx(
        3 / 89
    )
    assert set(run.scopes) == {"search", "total"} and list(run.scopes["total"].samples["p50_ms"]) == list(
        search.samples["p50_ms"]
    )


def test_identical_distributions_are_unchanged_on_every_figure(tmp_path: Path) -> None:
    """Each figure is a false positive with chance ~alpha, so 15 figures of one pair are all "~"
    only about half the time: these seeds are such a pair (seeds 1 and 2 call create_memory.p99_ms
    regressed, 11 and 12 create_memory.rps improved); the rate is checked further down."""
    table = compare_runs(synthetic_run(tmp_path / "a", seed=21), synthetic_run(tmp_path / "b", seed=22))
    assert len(table.rows) == 3 * len(FIGURES)
    assert {row.address: row.change.verdict for row in table.rows} == {
        row.address: UNCHANGED for row in table.rows
    }
    assert table.verdict == UNCHANGED and table.comparable
    assert all(row.change.p_value is not None for row in table.rows)


QUIET = Limits(run_noise_pct=0.0)  # no run-to-run noise: the intervals alone decide


def test_a_20_ms_slower_search_is_a_real_regression(tmp_path: Path) -> None:
    a, b = (
        synthetic_run(tmp_path / "a", seed=1),
        synthetic_run(tmp_path / "b", seed=2, shift_ms={"search": 20.0}),
    )
    rows = _rows(compare_runs(a, b, QUIET))
    for figure in ("p50_ms", "p95_ms", "p99_ms"):
        change = rows[f"search.{figure}"]
        assert change.verdict == REGRESSED and change.fails
        assert change.ci_low_pct > 0 and change.p_value < 0.05
    assert rows["search.p50_ms"].change_pct == pytest.approx(400.0, rel=0.05)  # 5 -> 25 ms
    assert rows["create_memory.p50_ms"].verdict == UNCHANGED
    # with the default run noise of a shared machine (p50 30 %, p99 60 %) the interval widens: +400 %
    # on p50 still stands out, +200 % on p99 does not
    table = compare_runs(a, b)
    rows = _rows(table)
    assert rows["search.p50_ms"].verdict == REGRESSED and rows["search.p50_ms"].run_noise_pct == 30.2
    assert rows["search.p99_ms"].verdict == UNCHANGED and rows["search.p99_ms"].ci_low_pct < 0
    assert table.verdict == REGRESSED


def test_a_1_ms_change_on_4_ms_is_reported_with_an_interval_holding_the_truth(tmp_path: Path) -> None:
    a = synthetic_run(tmp_path / "a", seed=3, intervals=40)
    b = synthetic_run(tmp_path / "b", seed=4, intervals=40, factor={"create_memory": 1.25})
    change = _rows(compare_runs(a, b, QUIET))["create_memory.p50_ms"]
    assert change.baseline == pytest.approx(4.0, rel=0.05) and change.candidate == pytest.approx(
        5.0, rel=0.05
    )
    assert change.ci_low_pct <= 25.0 <= change.ci_high_pct
    assert change.verdict == REGRESSED  # 40 intervals of ~100 requests see it without run noise
    noisy = _rows(compare_runs(a, b))["create_memory.p50_ms"]  # a shared machine's 30 %: not told
    assert noisy.verdict == UNCHANGED and noisy.ci_low_pct < 0 < 25.0 < noisy.ci_high_pct
    assert noisy.change_pct == change.change_pct


def test_doubled_throughput_is_an_improvement(tmp_path: Path) -> None:
    table = compare_runs(
        synthetic_run(tmp_path / "a", seed=5), synthetic_run(tmp_path / "b", seed=6, rate=20.0)
    )
    rows = _rows(table)
    for scope in ("search", "create_memory", "total"):
        change = rows[f"{scope}.rps"]
        assert change.verdict == IMPROVED and change.change_pct == pytest.approx(100.0, abs=10.0)
        assert change.ci_low_pct > 0
    assert table.verdict == IMPROVED


def test_differing_settings_are_listed(tmp_path: Path) -> None:
    other = scenario_dict(name="other", seed=7)
    other["load"]["users"] = 20
    table = compare_runs(
        synthetic_run(tmp_path / "a", seed=1), synthetic_run(tmp_path / "b", seed=2, scenario=other)
    )
    found = {d.setting: (d.baseline, d.candidate) for d in table.differences}
    assert found == {"scenario": ("steady", "other"), "seed": (1, 7), "users": (10, 20)}
    assert not table.comparable


def test_limits_decide_what_fails_and_what_counts_as_an_improvement() -> None:
    rng = np.random.default_rng(0)
    base = rng.normal(4.0, 0.2, 30)
    slower = rng.normal(5.0, 0.2, 30)
    allowed = compare_figure(
        "p50_ms",
        base,
        slower,
        baseline=4.0,
        candidate=5.0,
        limits=Limits(max_regression_pct=30.0, run_noise_pct=2.0),
    )
    assert allowed.verdict == REGRESSED and not allowed.fails and allowed.change_pct == pytest.approx(25.0)
    quiet = Limits(run_noise_pct=2.0)
    assert compare_figure("p50_ms", base, slower, baseline=4.0, candidate=5.0, limits=quiet).fails
    faster = compare_figure("p50_ms", slower, base, baseline=5.0, candidate=4.0, limits=quiet)
    assert faster.verdict == IMPROVED and faster.change_pct == pytest.approx(-20.0)
    small = compare_figure(
        "p50_ms",
        slower,
        base,
        baseline=5.0,
        candidate=4.0,
        limits=Limits(min_improvement_pct=30.0, run_noise_pct=2.0),
    )
    assert small.verdict == UNCHANGED
    assert (
        compare_figure("rps", slower, base, baseline=5.0, candidate=4.0, limits=quiet).verdict == REGRESSED
    )  # higher is better
    # the default run noise of p50 (30 %) hides a 25 % change of one run per side
    assert compare_figure("p50_ms", base, slower, baseline=4.0, candidate=5.0).verdict == UNCHANGED
    few = compare_figure("p50_ms", base[:2], slower[:2], baseline=4.0, candidate=5.0)
    assert few.verdict == UNCHANGED and few.p_value is None


def test_errors_from_none_are_a_regression_and_none_in_both_is_unchanged() -> None:
    zeros, some = np.zeros(10), np.full(10, 0.05)
    found = compare_figure("error_rate", zeros, some, baseline=0.0, candidate=0.05)
    assert found.verdict == REGRESSED and found.fails and found.change_pct is None
    assert found.ci_low_pct is None  # no interval in % of a baseline of 0
    same = compare_figure("error_rate", zeros, zeros, baseline=0.0, candidate=0.0)
    assert same.verdict == UNCHANGED and same.p_value == 1.0 and same.change_pct == 0.0


def test_identical_runs_are_rarely_called_changed(tmp_path: Path) -> None:
    """20 pairs of runs from the same distributions (no run effect: synthetic runs differ by their
    intervals only), judged with a run noise of 0, the within-run part alone: at most about
    2 x alpha of the figures are called changed; with the default run noise, none."""
    called = total = default_called = 0
    for pair in range(20):
        a = synthetic_run(tmp_path / f"a{pair}", seed=100 + 2 * pair, intervals=12)
        b = synthetic_run(tmp_path / f"b{pair}", seed=101 + 2 * pair, intervals=12)
        table = compare_runs(a, b, QUIET)
        called += sum(row.change.real for row in table.rows)
        total += len(table.rows)
        default_called += sum(row.change.real for row in compare_runs(a, b).rows)
    assert total == 20 * 3 * len(FIGURES)
    print(f"false positives: {called} of {total} figures ({called / total:.1%})")
    assert 0 < called / total <= 2 * 0.05  # the test does call some: it is not blind
    assert default_called == 0
