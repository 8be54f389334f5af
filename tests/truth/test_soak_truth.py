"""Issue 13's proofs against the reference service, compressed to 3-minute runs: injected memory and
fd leaks are flagged with their rates recovered within 25 %; a clean run is not flagged; a target
killed and restarted midway shows its error burst where it was down. Slow (about 10 minutes):
benchmarks/bench_soak.py prints the same figures (and repeats the clean run)."""

from __future__ import annotations

from pathlib import Path

import pytest

from memload.names import INTERVAL_S
from soak_proofs import proof_clean, proof_leaks, proof_restart

pytestmark = [pytest.mark.slow, pytest.mark.integration]


def test_injected_leaks_are_flagged_at_their_rates(work: Path) -> None:
    result = proof_leaks(work)
    assert result["leaks"] >= 2, result  # the target's RSS and its fds
    assert abs(result["rss_slope"] / result["rss_truth"] - 1) < 0.25, result
    assert abs(result["fd_slope"] / result["fd_truth"] - 1) < 0.25, result


def test_a_clean_run_is_not_flagged(work: Path) -> None:
    result = proof_clean(work)
    assert result["leaks"] == 0 and result["verdict"] == "PASS", result


def test_a_restart_shows_its_burst_where_the_target_was_down(work: Path) -> None:
    result = proof_restart(work)
    assert result["exit"] in (0, 1) and result["bursts"], result
    start, end, failures = result["bursts"][0]
    assert start <= result["killed_unix"] + INTERVAL_S and end >= result["restarted_unix"] - INTERVAL_S
    assert start >= result["killed_unix"] - INTERVAL_S and end <= result["restarted_unix"] + 2 * INTERVAL_S
    assert failures > 0
