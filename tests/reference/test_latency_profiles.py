"""The latency sampler (tested directly, without sleeping): quantiles, TTFT, TPOT, token counts."""
from __future__ import annotations

import numpy as np
import pytest

from memload.reference.llm.profiles import (
    PROFILES, Z_P50, Z_P95, Z_P99, LatencyProfile, LatencySampler, configured_quantiles_s, e2e_from_z,
    output_token_range, token_offsets_s, tpot_s, ttft_s,
)

SAMPLES = 20_000
MEASURED_S = {  # the figures of issue 2 (seeds/003): p50, p95, p99 of end-to-end latency
    "gpt-4": (1.8, 2.5, 3.2),
    "gpt-3.5-turbo": (0.6, 0.9, 1.3),
    "claude-3-sonnet": (1.2, 1.8, 2.4),
    "text-embedding-ada-002": (0.15, 0.25, 0.35),
}


@pytest.mark.parametrize("model", sorted(MEASURED_S))
def test_sampled_e2e_quantiles_are_within_10_percent(model):
    draws = LatencySampler(seed=1).sample_e2e_s(PROFILES[model], SAMPLES)
    measured = np.percentile(draws, [50, 95, 99])
    assert measured == pytest.approx(MEASURED_S[model], rel=0.10)


def test_fast_profile_takes_a_few_milliseconds():
    draws = LatencySampler(seed=1).sample_e2e_s(PROFILES["fast"], SAMPLES)
    assert 0.001 < np.percentile(draws, 50) < 0.005 and np.percentile(draws, 99) < 0.01


@pytest.mark.parametrize("model", sorted(PROFILES))
def test_quantile_curve_passes_exactly_through_the_profile(model):
    profile = PROFILES[model]
    at = e2e_from_z(profile, np.array([Z_P50, Z_P95, Z_P99]))
    assert at == pytest.approx([profile.e2e_p50_s, profile.e2e_p95_s, profile.e2e_p99_s], rel=1e-12)
    curve = e2e_from_z(profile, np.linspace(-5, 5, 1001))
    assert np.all(np.diff(curve) > 0) and np.all(curve > 0)


@pytest.mark.parametrize("model", sorted(MEASURED_S))
def test_ttft_quantiles_are_the_share_of_e2e_quantiles(model):
    profile = PROFILES[model]
    sampler = LatencySampler(seed=2)
    plans = [sampler.plan(profile) for _ in range(5000)]
    ttft = np.percentile([p.ttft_s for p in plans], [50, 95, 99])
    configured = configured_quantiles_s(profile)["ttft"]
    assert ttft == pytest.approx([configured["p50"], configured["p95"], configured["p99"]], rel=0.10)
    assert configured["p95"] == pytest.approx(profile.ttft_share * profile.e2e_p95_s)


def test_tpot_and_token_schedule():
    assert tpot_s(e2e_s=2.0, ttft_s=0.5, output_tokens=4) == pytest.approx(0.5)
    assert tpot_s(e2e_s=2.0, ttft_s=0.5, output_tokens=1) == 0.0
    assert token_offsets_s(e2e_s=2.0, ttft_s=0.5, output_tokens=4) == pytest.approx([0.5, 1.0, 1.5, 2.0])
    assert ttft_s(PROFILES["gpt-4"], 2.0) == pytest.approx(0.5)


def test_plans_start_at_ttft_and_end_at_e2e():
    sampler = LatencySampler(seed=3)
    for model in MEASURED_S:
        plan = sampler.plan(PROFILES[model], max_tokens=40)
        offsets = plan.token_offsets_s
        assert len(offsets) == plan.output_tokens
        assert offsets[0] == pytest.approx(plan.ttft_s) and offsets[-1] == pytest.approx(plan.e2e_s)
        assert np.diff(offsets) == pytest.approx([plan.tpot_s] * (len(offsets) - 1))


def test_output_tokens_stay_in_the_profile_range_and_under_max_tokens():
    sampler = LatencySampler(seed=4)
    profile = PROFILES["gpt-4"]
    counts = {sampler.sample_output_tokens(profile) for _ in range(2000)}
    assert min(counts) == profile.output_tokens_min and max(counts) == profile.output_tokens_max
    assert {sampler.sample_output_tokens(profile, max_tokens=5) for _ in range(50)} == {5}
    assert output_token_range(profile, 40) == (32, 40)


def test_the_same_seed_draws_the_same_latencies():
    profile = PROFILES["claude-3-sonnet"]
    first = LatencySampler(seed=9).sample_e2e_s(profile, 100)
    assert np.array_equal(first, LatencySampler(seed=9).sample_e2e_s(profile, 100))
    assert not np.array_equal(first, LatencySampler(seed=10).sample_e2e_s(profile, 100))


@pytest.mark.parametrize("quantiles", [(1.0, 1.0, 2.0), (2.0, 1.0, 3.0), (0.0, 1.0, 2.0)])
def test_profiles_need_increasing_quantiles(quantiles):
    with pytest.raises(ValueError):
        LatencyProfile(name="bad", kind="chat", e2e_p50_s=quantiles[0], e2e_p95_s=quantiles[1], e2e_p99_s=quantiles[2])
