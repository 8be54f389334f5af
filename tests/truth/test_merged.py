"""c. Two workers' histograms, merged by the master and by analysis, give the percentiles hdrh
itself computes from every row of the run's hdr_histograms.csv (one process fed the same
samples is tests/run/test_histograms.py)."""
from __future__ import annotations

import pytest

import truth_proofs


@pytest.mark.slow  # 35 s; the golden tests check the same merge on a stored run in the default suite
def test_the_reports_percentiles_equal_hdrhs_own_merge(work) -> None:
    result = truth_proofs.proof_merged(work, duration_s=20)
    assert result["workers"] == 2 and result["intervals"] >= 1
    assert result["figures_compared"] >= 4 * 6
    assert result["max_abs_difference_ms"] == 0.0, result
