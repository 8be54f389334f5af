"""The capacity model (issue 12): the USL fit on synthetic services with known σ, κ, λ, the knee of
a steps run, the instance projection, the one-sentence answer and what the capacity plots draw.

Noise is multiplicative, uniform ±2 %, from seeded numpy Generators. With 8 levels (1 … 128) that
noise moves σ by up to about 12 % on unlucky seeds (median about 3 %; κ and λ stay within 5 %), so
the single-seed test asks for 5 % on each parameter and a second test asks, over 40 seeds, for a
median error under 5 % and 95 % intervals that cover the truth in at least 85 % of the fits.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from scipy.stats import t as student_t

from memload.analysis.capacity.answer import CapacityAtSlo, capacity_sentence, slo_text
from memload.analysis.capacity.knee import RULE, find_knee, growth
from memload.analysis.capacity.plots import (
    GID_BAND,
    GID_CAPACITY_RPS,
    GID_CAPACITY_USERS,
    GID_FIT,
    GID_MAX_RATE,
    GID_MEASURED,
    GID_MET,
    GID_MISSED,
    GID_NO_MODEL,
    plot_latency_vs_throughput,
    plot_rate_search,
    plot_throughput_curve,
)
from memload.analysis.capacity.projection import instances_for_rps, instances_for_users
from memload.analysis.capacity.usl import UslFit, fit_usl, usl_band, usl_throughput
from memload.analysis.plots.kit import THRESHOLD_GID_PREFIX, png_bytes
from memload.scenario.thresholds import parse_slo

LEVELS = np.array([1, 2, 4, 8, 16, 32, 64, 128], dtype=float)
SIGMA, KAPPA, LAM = 0.05, 0.002, 100.0
TRUE_PEAK = math.floor(math.sqrt((1 - SIGMA) / KAPPA))  # 21


def noisy(throughput: np.ndarray, seed: int, spread: float = 0.02) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return throughput * rng.uniform(1 - spread, 1 + spread, throughput.size)


def known_fit(seed: int = 0, levels: np.ndarray = LEVELS) -> UslFit:
    return fit_usl(levels, noisy(usl_throughput(levels, SIGMA, KAPPA, LAM), seed))


# --- USL fit ---------------------------------------------------------------------------------------


def test_fit_recovers_known_parameters_within_5_percent() -> None:
    fit = known_fit(seed=0)
    for fitted, true in ((fit.sigma, SIGMA), (fit.kappa, KAPPA), (fit.lam, LAM)):
        assert fitted == pytest.approx(true, rel=0.05)
    for (low, high), true in ((fit.sigma_ci, SIGMA), (fit.kappa_ci, KAPPA), (fit.lam_ci, LAM)):
        assert low < true < high
    assert fit.r_squared > 0.99
    assert fit.levels == 8 and fit.points == 8 and fit.max_concurrency == 128
    assert fit.peak_concurrency is not None and abs(fit.peak_concurrency - TRUE_PEAK) <= 2
    assert fit.peak_established
    true_peak_x = float(usl_throughput(TRUE_PEAK, SIGMA, KAPPA, LAM))
    assert fit.peak_throughput == pytest.approx(true_peak_x, rel=0.03)
    # at 128 users: σ·127 = 6.35 against κ·128·127 = 32.5
    assert fit.limit == "coherency"
    assert fit.usable and fit.reason == ""


def test_intervals_are_t_intervals_from_the_covariance() -> None:
    fit = known_fit(seed=0)
    t = float(student_t.ppf(0.975, fit.points - 3))
    for index, (value, interval) in enumerate(((fit.sigma, fit.sigma_ci), (fit.kappa, fit.kappa_ci))):
        half = t * math.sqrt(fit.covariance[index][index])
        assert interval == pytest.approx((value - half, value + half))


def test_fit_is_unbiased_and_its_intervals_cover_the_truth_over_many_seeds() -> None:
    truth = np.array([SIGMA, KAPPA, LAM])
    errors, covered = [], []
    for seed in range(40):
        fit = known_fit(seed)
        fitted = np.array([fit.sigma, fit.kappa, fit.lam])
        errors.append(np.abs(fitted / truth - 1))
        intervals = (fit.sigma_ci, fit.kappa_ci, fit.lam_ci)
        covered.append([low <= true <= high for true, (low, high) in zip(truth, intervals)])
    assert np.all(np.median(errors, axis=0) < 0.05)
    assert np.all(np.mean(covered, axis=0) >= 0.85)


def test_a_fit_on_four_levels_is_unusable_and_says_why() -> None:
    fit = known_fit(levels=LEVELS[:4])
    assert not fit.usable
    assert fit.reason == "fewer than 6 concurrency levels (4 measured)"
    assert fit.levels == 4 and not math.isnan(fit.sigma)  # fitted, just not to be projected


def test_a_fit_without_one_user_is_unusable() -> None:
    levels = np.array([2, 4, 8, 16, 32, 64, 128], dtype=float)
    fit = known_fit(levels=levels)
    assert not fit.usable and fit.reason == "concurrency 1 not measured (smallest: 2)"


def test_data_the_model_does_not_describe_is_unusable_by_r_squared() -> None:
    zigzag = np.array([100, 40, 380, 30, 420, 20, 400, 25], dtype=float)
    fit = fit_usl(LEVELS, zigzag)
    assert not fit.usable
    assert fit.r_squared < 0.9 and f"R² = {fit.r_squared:.3f} < 0.9" in fit.reason


def test_a_fit_that_cannot_be_made_says_which_failure() -> None:
    two = fit_usl([1, 2], [100, 190])
    assert not two.usable and two.reason == "fit failed: 2 concurrency levels for a model of 3 parameters"
    assert two.limit == "unknown" and math.isnan(two.sigma) and two.peak_concurrency is None
    zero = fit_usl(LEVELS, np.zeros(8))
    assert zero.reason == "fit failed: no throughput measured"
    with pytest.raises(ValueError, match="no fitted curve: fit failed"):
        usl_band(zero, [1, 2])
    three = fit_usl([1, 2, 4], [100, 190, 350])  # no degrees of freedom left for intervals
    assert "fit failed: its covariance could not be estimated" in three.reason
    assert math.isnan(three.sigma_ci[0])


@pytest.mark.parametrize(
    ("concurrency", "throughput", "message"),
    [
        ([1, 2, 4], [100, 200], "3 concurrency levels but 2 throughputs"),
        ([0, 2, 4], [0, 200, 400], "concurrency must be at least 1"),
        ([1, 2, 4], [100, -1, 400], "throughput cannot be negative"),
        ([1, 2, 4], [100, math.nan, 400], "finite"),
    ],
)
def test_malformed_points_raise(concurrency: list[float], throughput: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        fit_usl(concurrency, throughput)


def test_a_linear_service_has_no_peak_and_is_called_linear() -> None:
    exact = fit_usl(LEVELS, LAM * LEVELS)
    # σ and κ of a linear service are 0, so a relative tolerance means nothing: their terms at 128
    # users (σ·127 and κ·128·127) are compared with the denominator's 1 instead
    assert exact.sigma * 127 < 1e-6 and exact.kappa * 128 * 127 < 1e-6
    assert exact.lam == pytest.approx(LAM, rel=1e-6)
    assert exact.peak_concurrency is None and exact.peak_throughput is None
    assert exact.limit == "linear" and exact.usable
    # with ±2 % noise the terms stay within the noise (2 %) and no peak is established: a point
    # estimate of κ may be a few 1e-7, its interval reaches 0
    fit = fit_usl(LEVELS, noisy(LAM * LEVELS, seed=3))
    assert fit.sigma * 127 < 0.02 and fit.kappa * 128 * 127 < 0.02
    assert fit.lam == pytest.approx(LAM, rel=0.02)
    assert not fit.peak_established and fit.kappa_ci[0] == 0.0
    assert fit.limit == "linear" and fit.usable


def test_a_contention_limited_service() -> None:
    exact = fit_usl(LEVELS, usl_throughput(LEVELS, 0.1, 0.0, LAM))
    assert exact.sigma == pytest.approx(0.1, rel=1e-3) and exact.limit == "contention"
    assert exact.peak_concurrency is None  # κ = 0: throughput approaches λ/σ, never falls
    noisy_fit = fit_usl(LEVELS, noisy(usl_throughput(LEVELS, 0.1, 0.0, LAM), seed=2))
    assert noisy_fit.limit == "contention" and noisy_fit.sigma == pytest.approx(0.1, rel=0.05)
    assert not noisy_fit.peak_established  # a point estimate of κ > 0, but its interval reaches 0


def test_the_band_is_the_delta_method_around_the_curve() -> None:
    fit = known_fit(seed=0)
    grid = np.array([1.0, 10.0, 21.0, 64.0, 128.0])
    band = usl_band(fit, grid)
    assert np.allclose(band.throughput, fit.predict(grid))
    assert np.all(band.low < band.throughput) and np.all(band.throughput < band.high)
    # at N = 1 the curve is λ and its gradient (0, 0, 1): the band is λ's interval
    assert (band.low[0], band.high[0]) == pytest.approx(fit.lam_ci)
    assert "delta method" in band.method


# --- knee --------------------------------------------------------------------------------------------


def saturating_steps(jitter_seed: int | None = None) -> list[tuple[float, float, float]]:
    """Linear to 1,600 req/s at 16 users, flat after; p95 follows Little's law (N / X)."""
    throughput = np.minimum(100.0 * LEVELS, 1600.0)
    p95 = 1.5 * 1000.0 * LEVELS / throughput
    if jitter_seed is not None:
        throughput, p95 = noisy(throughput, jitter_seed, 0.03), noisy(p95, jitter_seed + 1, 0.03)
    return list(zip(LEVELS.tolist(), throughput.tolist(), p95.tolist()))


@pytest.mark.parametrize("jitter_seed", [None, 7, 8])
def test_the_knee_of_a_linear_then_flat_service_is_the_first_flat_step(jitter_seed: int | None) -> None:
    knee = find_knee(saturating_steps(jitter_seed))
    assert knee is not None
    assert knee.index == 5 and knee.concurrency == 32
    assert knee.p95_growth == pytest.approx(1.0, abs=0.1) and knee.throughput_growth < 0.1
    assert knee.rule == RULE


def test_a_service_that_scales_perfectly_has_no_knee() -> None:
    p95 = noisy(np.full(8, 15.0), seed=4, spread=0.03)
    assert find_knee(list(zip(LEVELS, 100.0 * LEVELS, p95))) is None


@pytest.mark.parametrize(
    ("second", "expected"),
    [
        ((2, 110.0, 13.0), True),  # +10 % throughput, +30 % p95
        ((2, 160.0, 14.0), False),  # +60 % throughput, +40 % p95: still scaling
        ((2, 100.0, 10.6), False),  # flat throughput, +6 % p95: jitter under the 10 % floor
        ((2, 100.0, 11.1), True),  # flat throughput, +11 % p95
        ((2, 90.0, 11.1), True),  # throughput fell
    ],
)
def test_the_knee_rule_at_its_edges(second: tuple[float, float, float], expected: bool) -> None:
    assert (find_knee([(1, 100.0, 10.0), second]) is not None) is expected


def test_knee_input_is_checked() -> None:
    assert find_knee([]) is None and find_knee([(1, 100.0, 10.0)]) is None
    assert growth(0.0, 5.0) == math.inf and growth(0.0, 0.0) == 0.0
    with pytest.raises(ValueError, match="sorted by increasing concurrency: step 1 has 1 after 2"):
        find_knee([(2, 100.0, 10.0), (1, 50.0, 9.0)])
    with pytest.raises(ValueError, match="step 0: concurrency must be positive"):
        find_knee([(1, -5.0, 10.0)])
    with pytest.raises(ValueError, match="expected"):
        find_knee([(1, 5.0)])


# --- projection --------------------------------------------------------------------------------------


def test_instances_for_a_target_rate() -> None:
    projection = instances_for_rps(3000, 1000, headroom=0.30)
    assert projection.instances == 5  # 3000 / 700 = 4.29
    assert projection.unit == "req/s" and projection.headroom == 0.3
    assert instances_for_rps(700, 1000).instances == 1  # exactly fits
    assert (
        instances_for_users(45.6, 48, headroom=0.05).instances == 1
    )  # 45.6 / (48 × 0.95) = 1.0000000000000002
    assert instances_for_rps(701, 1000).instances == 2
    assert instances_for_rps(3000, 1000, headroom=0).instances == 3
    assert instances_for_rps(1, 1000).instances == 1


def test_instances_for_target_users_and_the_assumptions() -> None:
    projection = instances_for_users(500, 64)
    assert projection.instances == 12  # 500 / 44.8 = 11.2
    text = " ".join(projection.assumptions)
    for words in ("linearly", "database", "LLM provider", "measured at the SLO", "70 %", "30 % headroom"):
        assert words in text


@pytest.mark.parametrize(
    ("target", "capacity", "headroom", "message"),
    [
        (0, 1000, 0.3, "target_rps must be positive"),
        (3000, -1, 0.3, "capacity_rps_at_slo must be positive"),
        (math.inf, 1000, 0.3, "target_rps must be a finite number"),
        (3000, 1000, 1.0, "0 <= headroom < 1"),
        (3000, 1000, -0.1, "0 <= headroom < 1"),
        (3000, 1000, math.nan, "0 <= headroom < 1"),
        (True, 1000, 0.3, "target_rps must be a finite number"),
    ],
)
def test_projection_inputs_are_checked(target: float, capacity: float, headroom: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        instances_for_rps(target, capacity, headroom)


# --- answer ------------------------------------------------------------------------------------------

SLO = parse_slo("search.p95_ms < 50")


def test_the_answer_sentence_with_a_usable_fit() -> None:
    fit = replace(known_fit(), sigma=0.04, limit="contention")
    sentence = capacity_sentence(CapacityAtSlo(rps=1180.4, users=64), [SLO], 1420.0, fit)
    assert sentence == (
        "one instance holds 1,180 req/s (64 users) with search p95 < 50 ms; saturates at 1,420 req/s; "
        "contention-limited (σ = 0.04)"
    )
    coherency = capacity_sentence(
        CapacityAtSlo(rps=700.0, users=16), ["search p95 < 50 ms"], 742.0, known_fit()
    )
    assert coherency.endswith(f"coherency-limited (κ = {known_fit().kappa:.2g}, peak near 22 users)")
    linear = fit_usl(LEVELS, LAM * LEVELS)
    assert capacity_sentence(CapacityAtSlo(rps=12800.0), [SLO], None, linear) == (
        "one instance holds 12,800 req/s with search p95 < 50 ms; "
        "scales linearly over the measured range (up to 128 users)"
    )


def test_the_answer_without_a_model_or_without_a_step_meeting_the_slo() -> None:
    unusable = known_fit(levels=LEVELS[:4])
    sentence = capacity_sentence(
        CapacityAtSlo(rps=45.5, offered_rps=48.0), [SLO, "total error_rate < 0.01"], 60.0, unusable
    )
    assert sentence == (
        "one instance holds 45.5 req/s (at 48 req/s offered) with search p95 < 50 ms "
        "and total error_rate < 0.01; saturates at 60 req/s; "
        "no scalability model: fewer than 6 concurrency levels (4 measured)"
    )
    assert capacity_sentence(None, [SLO], 1420.0, None) == (
        "no measured load met search p95 < 50 ms; saturates at 1,420 req/s"
    )
    assert slo_text(parse_slo("total.error_rate < 0.01")) == "total error rate < 0.01"


# --- plots -------------------------------------------------------------------------------------------


def _by_gid(ax) -> dict[str, object]:
    return {line.get_gid(): line for line in ax.get_lines() if line.get_gid()}


def _threshold_ys(ax) -> dict[str, float]:
    return {
        gid[len(THRESHOLD_GID_PREFIX) :]: line.get_ydata()[0]
        for gid, line in _by_gid(ax).items()
        if gid.startswith(THRESHOLD_GID_PREFIX)
    }


def test_throughput_plot_draws_points_fit_band_and_capacity() -> None:
    fit = known_fit()
    measured = noisy(usl_throughput(LEVELS, SIGMA, KAPPA, LAM), 0)
    figure = plot_throughput_curve(LEVELS, measured, fit=fit, capacity=CapacityAtSlo(rps=600.0, users=16))
    (ax,) = figure.axes
    lines = _by_gid(ax)
    assert {GID_MEASURED, GID_FIT, GID_CAPACITY_RPS, GID_CAPACITY_USERS} <= set(lines)
    assert list(lines[GID_MEASURED].get_ydata()) == pytest.approx(list(measured))
    assert max(lines[GID_FIT].get_xdata()) == 128 and max(lines[GID_FIT].get_ydata()) == pytest.approx(
        fit.peak_throughput, rel=0.01
    )
    assert lines[GID_CAPACITY_RPS].get_ydata()[0] == 600.0 and lines[GID_CAPACITY_USERS].get_xdata()[0] == 16
    assert [c.get_gid() for c in ax.collections] == [GID_BAND]
    assert ax.get_xlabel() == "concurrency (users)" and ax.get_ylabel() == "throughput (requests/s)"
    assert "capacity at SLO: 600 req/s" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert png_bytes(figure).startswith(b"\x89PNG")


def test_throughput_plot_draws_no_curve_for_an_unusable_fit() -> None:
    fit = known_fit(levels=LEVELS[:4])
    figure = plot_throughput_curve(LEVELS[:4], np.array([100.0, 190.0, 350.0, 600.0]), fit=fit)
    (ax,) = figure.axes
    assert GID_FIT not in _by_gid(ax) and not ax.collections and GID_CAPACITY_RPS not in _by_gid(ax)
    (note,) = [t for t in ax.texts if t.get_gid() == GID_NO_MODEL]
    assert note.get_text() == "no scalability model: fewer than 6 concurrency levels (4 measured)"


def test_hockey_stick_draws_p95_p99_and_the_slo() -> None:
    throughput, p95, p99 = [100.0, 200.0, 390.0, 400.0], [10.0, 11.0, 14.0, 60.0], [15.0, 17.0, 25.0, 90.0]
    figure = plot_latency_vs_throughput(
        throughput, p95, p99, slos=[SLO, parse_slo("total.error_rate < 0.01")]
    )
    (ax,) = figure.axes
    lines = _by_gid(ax)
    assert (
        list(lines["latency:p95"].get_xdata()) == throughput and list(lines["latency:p99"].get_ydata()) == p99
    )
    assert _threshold_ys(ax) == {"search.p95_ms": 50.0}  # the error-rate SLO is not a latency
    assert ax.get_xlabel() == "throughput (requests/s)" and ax.get_ylabel() == "response time (ms)"
    assert ax.get_yscale() == "linear"
    overloaded = plot_latency_vs_throughput(throughput, [10.0, 11.0, 14.0, 2000.0], slos=[SLO])
    assert overloaded.axes[0].get_yscale() == "log" and "log scale" in overloaded.axes[0].get_ylabel()
    assert "latency:p99" not in _by_gid(overloaded.axes[0])


def test_rate_search_marks_probes_by_outcome_with_the_slo_and_the_found_rate() -> None:
    rates, p95 = [100.0, 200.0, 400.0, 300.0, 350.0], [12.0, 15.0, 400.0, 30.0, 70.0]
    met = [True, True, False, True, False]
    figure = plot_rate_search(rates, p95, met, slos=[SLO], max_rate=300.0)
    (ax,) = figure.axes
    lines = _by_gid(ax)
    assert list(lines[GID_MET].get_xdata()) == [100.0, 200.0, 300.0]
    assert list(lines[GID_MISSED].get_ydata()) == [400.0, 70.0]
    assert lines[GID_MET].get_marker() != lines[GID_MISSED].get_marker()
    assert _threshold_ys(ax) == {"search.p95_ms": 50.0}
    assert lines[GID_MAX_RATE].get_xdata()[0] == 300.0
    assert ax.get_xlabel() == "offered rate (requests/s)" and "p95" in ax.get_ylabel()
    none_met = plot_rate_search([100.0], [90.0], [False], slos=[SLO])
    assert set(_by_gid(none_met.axes[0])) == {GID_MISSED, f"{THRESHOLD_GID_PREFIX}search.p95_ms"}
    with pytest.raises(ValueError, match="met: 1 values for 2 probes"):
        plot_rate_search([1.0, 2.0], [1.0, 2.0], [True])
