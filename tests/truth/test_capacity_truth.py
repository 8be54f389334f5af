"""Issue 12's proofs against a reference service with a known capacity (4 slots × 50 ms: 80 req/s):
the concurrency-steps run finds the saturation within 10 %; the arrival-rate search's answer at
p95 < 150 ms is within 10 % of the M/D/4 queue's. Slow (about 7 minutes): benchmarks/bench_capacity.py
prints the same figures."""

from __future__ import annotations

from pathlib import Path

import pytest

from capacity_proofs import md_c_max_rate, proof_search, proof_steps

pytestmark = [pytest.mark.slow, pytest.mark.integration]


def test_the_m_d_c_reference_is_what_queueing_theory_says() -> None:
    # one server, deterministic service: below saturation, the p95 time in system grows with the load
    light = md_c_max_rate(0.011, servers=1, service_s=0.010)
    heavy = md_c_max_rate(0.050, servers=1, service_s=0.010)
    assert 0 < light < heavy < 100


def test_steps_find_the_known_saturation(work: Path) -> None:
    result = proof_steps(work)
    assert abs(result["rel_error"]) < 0.10, result


def test_the_search_finds_the_queueing_limit(work: Path) -> None:
    result = proof_search(work)
    assert result["max_rate_at_slo"] < result["saturation_rps"]
    assert abs(result["rel_error"]) < 0.10, result
