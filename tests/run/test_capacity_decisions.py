"""The arrival-rate search's decisions against services whose limit is known."""

from __future__ import annotations

import pytest

from memload.capacity.decisions import MAX_PROBES, Probe, SearchState, next_rate, stop_reason


def search(limit: float | None, *, start: float = 50.0, max_rate: float = 10_000.0, pct: float = 5.0):
    """Run the decisions against a service that meets its SLOs at exactly rates <= limit."""
    state = SearchState(start_rate=start, max_rate=max_rate, bracket_pct=pct)
    while (rate := next_rate(state)) is not None:
        state = state.with_probe(Probe(rate=rate, passed=limit is not None and rate <= limit))
    return state


@pytest.mark.parametrize("limit", [37.0, 50.0, 230.0, 1_000.0, 7_777.0])
def test_the_answer_is_within_the_bracket_below_the_limit(limit: float) -> None:
    state = search(limit)
    assert state.best is not None and state.best <= limit
    assert state.best >= limit * 0.95 or state.lowest_failure is None
    assert len(state.probes) <= MAX_PROBES
    assert "bracketed within 5 %" in stop_reason(state)


def test_ramp_doubles_then_bisects() -> None:
    rates = [p.rate for p in search(230.0).probes]
    assert rates[:4] == [50.0, 100.0, 200.0, 400.0]
    assert rates[4] == 300.0 and rates[5] == 250.0  # halfway between what passed and what failed


def test_a_service_that_always_passes_stops_at_the_highest_rate_allowed() -> None:
    state = search(1e9, max_rate=800.0)
    assert state.best == 800.0 and "every probe passed" in stop_reason(state)


def test_a_service_that_always_fails_stops_below_half_a_request_per_second() -> None:
    state = search(None)
    assert state.best is None and min(p.rate for p in state.probes) >= 0.5
    assert "every probe failed" in stop_reason(state)


def test_a_narrower_bracket_takes_more_probes() -> None:
    assert len(search(777.0, pct=1.0).probes) > len(search(777.0, pct=10.0).probes)
