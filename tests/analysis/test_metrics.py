"""Rates, averages, maxima and percentiles of the steady window against hand-computed values."""
from __future__ import annotations

from pathlib import Path

import pytest

from memload.analysis.figures.analyse import analyse
from memload.analysis.figures.requests import min_requests_for

from analysis_testkit import T0, hist_row, make_run


def _cumulative_avg_ms(k: int) -> float:
    """10 req/s; 50 ms each in the first 10 s, 20 ms after: the cumulative mean at second k."""
    slow = min(k, 10) * 10 * 50.0
    fast = max(k - 10, 0) * 10 * 20.0
    return (slow + fast) / (10 * k)


def _search_rows(type_: str = "GET", scale: int = 1) -> list[list]:
    rows = []
    for k in range(1, 41):
        rows.append(hist_row(T0 + k, "search", 10 * k * scale, failures=(k // 10) * scale,
                             avg_ms=_cumulative_avg_ms(k), pcts=10.0 if k <= 25 else 30.0,
                             max_ms=80.0 if k < 25 else 90.0, type_=type_))
    return rows


def _create_rows() -> list[list]:
    # create_memory: 5 req/s, every percentile 4 ms, its maximum (70 ms) reached in the warm-up
    return [hist_row(T0 + k, "create_memory", 5 * k, avg_ms=4.0, pcts=4.0, max_ms=70.0, type_="POST")
            for k in range(1, 41)]


@pytest.fixture
def hand_run(tmp_path: Path) -> Path:
    return make_run(tmp_path / "run", _search_rows() + _create_rows(), warmup_s=10.0,
                    start_unix=float(T0), end_unix=float(T0 + 40.5),
                    thresholds={"search.p95_ms": "< 25", "search.rps": "> 9.99", "total.rps": "> 1"})


def test_window_figures_are_differences_of_the_cumulative_counters(hand_run: Path) -> None:
    figures = analyse(hand_run).figures
    # steady window [T0+10, T0+40.5]: rows T0+10 (100 requests, 1 failure) .. T0+40 (400, 4)
    assert figures["search.requests"] == 300
    assert figures["search.failures"] == 3
    assert figures["search.rps"] == pytest.approx(300 / 30)
    assert figures["search.error_rate"] == pytest.approx(0.01)
    # (400 x 27.5 ms - 100 x 50 ms) / 300 = 20 ms: the warm-up's 50 ms requests are excluded
    assert figures["search.avg_ms"] == pytest.approx(20.0)
    assert figures["create_memory.requests"] == 150 and figures["create_memory.rps"] == pytest.approx(5.0)
    assert figures["create_memory.avg_ms"] == pytest.approx(4.0)


def test_max_is_exact_when_it_rose_in_the_window_else_from_the_snapshots(hand_run: Path) -> None:
    figures = analyse(hand_run).figures
    assert figures["search.max_ms"] == 90.0  # rose from 80 to 90 at T0+25
    assert figures["create_memory.max_ms"] == 4.0  # 70 ms was in the warm-up; snapshots say 4


def test_percentiles_mix_the_10s_snapshots_of_the_window(hand_run: Path) -> None:
    analysis = analyse(hand_run)
    # snapshots at T0+20 (all 10 ms), T0+30 and T0+40 (all 30 ms), 100 requests each:
    # a third of the requests at <= 10 ms, so p50 and above are 30 ms
    assert analysis.figures["search.p50_ms"] == 30.0
    assert analysis.figures["search.p99_ms"] == 30.0
    assert analysis.figures["create_memory.p95_ms"] == 4.0
    assert any(w.startswith("percentiles approximate:") for w in analysis.warnings)
    assert analysis.requests.percentile_methods == {"history_10s_snapshots_mixture"}


def test_thresholds_are_evaluated_on_the_window_figures(hand_run: Path) -> None:
    analysis = analyse(hand_run)
    outcome = {r.threshold.address: r.passed for r in analysis.results}
    assert outcome == {"search.p95_ms": False, "search.rps": True, "total.rps": False}
    assert analysis.verdict == "FAIL" and analysis.exit_code == 1
    assert any("no value for threshold figure(s) total.rps" in w for w in analysis.warnings)


def test_without_warmup_the_window_counts_from_zero(tmp_path: Path) -> None:
    rows = [hist_row(T0 + 1, "Aggregated", 0, pcts=0.0, max_ms=0.0)]  # Locust's first row
    rows += [hist_row(T0 + k, "search", 10 * k, failures=k // 10, avg_ms=_cumulative_avg_ms(k),
                      pcts=10.0, max_ms=80.0) for k in range(2, 41)]
    figures = analyse(make_run(tmp_path / "run", rows, warmup_s=0.0)).figures
    assert figures["search.requests"] == 400 and figures["search.failures"] == 4
    assert figures["search.avg_ms"] == pytest.approx(27.5)
    assert figures["search.max_ms"] == 80.0
    assert figures["search.rps"] == pytest.approx(400 / 39)  # T0+1 .. T0+40


def test_an_operation_with_two_types_is_summed(tmp_path: Path) -> None:
    rows = _search_rows("GET") + _search_rows("POST", scale=2)
    analysis = analyse(make_run(tmp_path / "run", rows, warmup_s=10.0, end_unix=float(T0 + 40)))
    assert analysis.figures["search.requests"] == 300 + 600
    assert analysis.figures["search.failures"] == 9
    assert analysis.requests.types["search"] == ["GET", "POST"]


def test_too_few_samples_warns_per_percentile(hand_run: Path) -> None:
    warnings = [w for w in analyse(hand_run).warnings if w.startswith("too few samples")]
    assert warnings == ["too few samples for a percentile: p999 needs >= 1000 requests in the steady window; "
                        "create_memory 150, search 300"]
    assert (min_requests_for(99.0), min_requests_for(99.9), min_requests_for(50.0)) == (100, 1000, 2)


def test_a_warmup_longer_than_the_run_leaves_no_figures_and_says_so(tmp_path: Path) -> None:
    analysis = analyse(make_run(tmp_path / "run", _search_rows(), warmup_s=100.0,
                                thresholds={"search.p95_ms": "< 25"}))
    assert "search.requests" not in analysis.figures
    assert any(w.startswith("steady window is empty") for w in analysis.warnings)
    assert analysis.verdict == "FAIL" and analysis.results[0].measured is None


def test_percentiles_never_exceed_the_exact_maximum(tmp_path: Path) -> None:
    # Locust's percentile buckets round 27.6 ms up to 28; the exact maximum is 27.6
    rows = [hist_row(T0 + k, "search", 10 * k, pcts=28.0, max_ms=20.0 if k < 15 else 27.6) for k in range(1, 41)]
    figures = analyse(make_run(tmp_path / "run", rows, warmup_s=10.0)).figures
    assert figures["search.max_ms"] == 27.6
    assert figures["search.p50_ms"] == figures["search.p999_ms"] == 27.6


def test_the_window_ends_with_the_load_not_with_memload(tmp_path: Path) -> None:
    # 10 req/s until T0+30, then the shape drains: 0 users for 8 s while memload finishes
    rows = [hist_row(T0 + k, "search", 10 * min(k, 30), users=1 if k <= 30 else 0) for k in range(1, 39)]
    analysis = analyse(make_run(tmp_path / "run", rows, warmup_s=0.0, end_unix=float(T0 + 39)))
    assert analysis.window.end_unix == T0 + 31  # the second of the last row with users
    assert analysis.figures["search.rps"] == pytest.approx(300 / 30)  # rows T0+1 .. T0+31, not diluted to T0+38
