"""Issue 15's proofs against the reference service, with one-minute runs: the response cache off
against on is judged "improved" on llm_chat p95 by far more than 20 %; a pair of runs with
identical settings is judged unchanged; 20 ms added to search is a real regression (exit 1); 1 ms
added is reported with its interval. One run a side, so the default run-to-run noise of a shared
machine applies (compare/noise/model.py). Slow (about 8 minutes): benchmarks/bench_compare.py prints
the same figures and repeats the identical pair (the false-positive rate over 5 pairs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from compare_proofs import changed, proof_added_latency, proof_cache, proof_identical

pytestmark = [pytest.mark.slow, pytest.mark.integration]


def test_the_cache_is_judged_a_large_improvement(work: Path) -> None:
    result = proof_cache(work)
    row = result["rows"]["llm_chat.p95_ms"]
    assert row["verdict"] == "improved" and row["ci_high_pct"] < -20, row  # the whole interval beyond -20 %
    # not the exit code: with the cache the closed-model users go ~19x faster, and the target's CPU
    # rises with them (a real regression beyond the default limit of 0 %)


def test_identical_runs_are_unchanged_and_added_latency_is_found(work: Path) -> None:
    (pair,) = proof_identical(work, 1)
    assert changed(pair["rows"]) == [] and pair["exit"] == 0, pair["rows"]
    slow = proof_added_latency(work, pair["baseline"], 20.0)
    row = slow["rows"]["search.p50_ms"]  # ~1.5 -> ~22 ms
    assert row["verdict"] == "regressed" and row["ci_low_pct"] > 100 and row["fails"] and slow["exit"] == 1, (
        row
    )
    # p95 (~5-7 -> ~25 ms, +250-400 %) is judged against the default run noise of p95 (51.6 %, one
    # run a side): measured regressed (p 0.035 on 2026-11-30's runs) but near the edge; its change
    # must show
    assert slow["rows"]["search.p95_ms"]["change_pct"] > 100, slow["rows"]["search.p95_ms"]
    small = proof_added_latency(work, pair["baseline"], 1.0)
    row = small["rows"]["search.p50_ms"]
    assert row["change_pct"] is not None and row["ci_low_pct"] < row["ci_high_pct"], row
    assert row["ci_high_pct"] > 0, row  # the interval reaches the added millisecond's side
