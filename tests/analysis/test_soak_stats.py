"""The soak analysis's statistics on data whose answer is known: Mann–Kendall (against a brute-force
S and scipy's Kendall τ), Theil–Sen slopes and their intervals, bursts, and the latency drift of a
hand-made run whose p95 doubles halfway."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import kendalltau

from analysis_testkit import T0, hist_row, make_run, write_interval_files
from memload.analysis.figures.analyse import analyse
from memload.analysis.soak.bursts import FailureSeries, find_bursts, hot_intervals, runs_of
from memload.analysis.soak.trend import fit_trend, mann_kendall


def test_mann_kendall_s_variance_and_p_with_ties() -> None:
    rng = np.random.default_rng(3)
    y = np.round(rng.normal(0, 1, 120) + np.linspace(0, 0.6, 120), 1)  # rounded: many ties
    test = mann_kendall(y)
    brute = sum(np.sign(y[j] - y[i]) for i, j in itertools.combinations(range(y.size), 2))
    assert test.s == brute
    _, ties = np.unique(y, return_counts=True)
    n = y.size
    assert test.variance == pytest.approx((n * (n - 1) * (2 * n + 5) - sum(t * (t - 1) * (2 * t + 5) for t in ties)) / 18)
    assert test.z == pytest.approx((test.s - 1) / math.sqrt(test.variance))  # continuity-corrected
    # without the correction it is Kendall's tau test of (time, value): scipy's p to the last digits
    uncorrected = math.erfc(abs(test.s) / math.sqrt(test.variance) / math.sqrt(2))
    assert uncorrected == pytest.approx(kendalltau(np.arange(n), y).pvalue, rel=1e-9)
    assert test.p_value > uncorrected


def test_mann_kendall_of_constant_and_short_series() -> None:
    assert mann_kendall(np.full(50, 7.0)).p_value == 1.0
    assert mann_kendall([1.0, 2.0]).p_value == 1.0
    assert mann_kendall(np.arange(30.0)).p_value < 1e-6


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_theil_sen_slope_interval_holds_the_truth(seed: int) -> None:
    rng = np.random.default_rng(seed)
    hours = np.arange(300) / 60.0
    noise = rng.normal(0, 2.0, hours.size) + np.where(rng.random(hours.size) < 0.03, 40.0, 0.0)  # outliers
    trend = fit_trend(hours, 100 + 12.0 * hours + noise)
    assert trend is not None
    assert trend.low < 12.0 < trend.high and abs(trend.slope - 12.0) < 0.5
    assert trend.p_value < 1e-6 and trend.rising
    low, high = trend.band(hours)
    assert np.all(low <= high) and low[0] < trend.at(hours[0]) < high[0]


def test_no_trend_below_six_points_and_flat_data() -> None:
    assert fit_trend([0, 1, 2], [1, 2, 3]) is None
    flat = fit_trend(np.arange(100.0), np.full(100, 30.0))
    assert flat is not None and flat.slope == 0 and flat.low == flat.high == 0 and flat.p_value == 1.0
    assert not flat.rising


def test_runs_merge_gaps_of_one_interval() -> None:
    hot = np.array([0, 1, 1, 0, 1, 0, 0, 1, 0, 0, 0, 1], dtype=bool)
    assert runs_of(hot) == [(1, 4), (7, 7), (11, 11)]


def test_a_burst_of_one_operation_and_noise_that_is_not() -> None:
    n = 400
    rng = np.random.default_rng(5)
    requests = {"search": np.full(n, 1000.0), "embed": np.full(n, 40.0)}
    failures = {"search": rng.binomial(1000, 0.001, n).astype(float), "embed": rng.binomial(40, 0.01, n).astype(float)}
    failures["search"][100:118] = 300.0  # 3 minutes of 30 %
    failures["search"][108] = 5.0  # a quiet interval inside: merged
    requests["total"] = requests["search"] + requests["embed"]
    failures["total"] = failures["search"] + failures["embed"]
    series = FailureSeries(starts=T0 + 10.0 * np.arange(n), requests=requests, failures=failures)
    bursts = find_bursts(series)
    assert len(bursts) == 1
    burst = bursts[0]
    assert (burst.start_unix, burst.end_unix) == (T0 + 1000.0, T0 + 1180.0)
    assert burst.operations == ["search"] and burst.failures == 17 * 300 + 5
    assert not hot_intervals(requests["embed"], failures["embed"]).any()  # 1 % noise of 40 requests


def drift_run(run_dir: Path) -> Path:
    """20 minutes of search at 5 requests a second: 10 ms for the first half, 20 ms after."""
    samples = [(T0 + s + 0.5, "search", "response_ms", 10.0 if s < 600 else 20.0) for s in range(1200) for _ in range(5)]
    history = [hist_row(t, "Aggregated", 1, users=1) for t in range(T0 + 1, T0 + 1201)]
    make_run(run_dir, history, start_unix=float(T0), end_unix=float(T0 + 1201),
             scenario={"load": {"shape": "constant", "users": 1}})
    return write_interval_files(run_dir, samples)


def test_latency_drift_of_a_run_whose_p95_doubles(tmp_path: Path) -> None:
    analysis = analyse(drift_run(tmp_path / "run"))
    soak = analysis.soak
    assert soak is not None and len(soak.windows) == 10
    assert [w.intervals for w in soak.windows] == [12] * 10
    drift = soak.drift
    assert drift is not None
    assert drift.first_p95_ms == pytest.approx(10.0, rel=1e-3) and drift.last_p95_ms == pytest.approx(20.0, rel=1e-3)
    assert analysis.figures["soak.p95_drift_pct"] == pytest.approx(100.0, abs=0.2)
    assert drift.significant and drift.first_intervals == drift.last_intervals == 12
    assert drift.trend is not None and drift.trend.slope > 0
    assert soak.windows[0].figures["total.rps"] == pytest.approx(5.0)
    assert not soak.trends and "no resources.csv samples" in soak.notes[0]  # no resources.csv here
    assert "soak.leaks" not in analysis.figures and analysis.figures["soak.error_bursts"] == 0
