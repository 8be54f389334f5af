"""Percentiles from Locust's quantile points, against hand-computed mixtures."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from memload.analysis.figures.percentiles import (METHOD_HISTORY_MIXTURE, METHOD_WHOLE_RUN, PercentileContext,
                                          estimate_percentiles, mixture_percentiles_ms)

from analysis_testkit import HISTORY_HEADER, PERCENT_COLUMNS, T0, hist_row

LOCUST_PERCENTS = [50, 66, 75, 80, 90, 95, 98, 99, 99.9, 99.99, 100]
A = [10.0, 20.0, 30.0]  # at 50 %, 90 %, 100 %
B = [20.0, 40.0, 50.0]


def test_one_snapshot_gives_back_its_own_points_even_with_ties() -> None:
    points = np.array([[5, 6, 6, 7, 7, 7, 8, 8, 11, 38, 38]], dtype=float)  # golden create_memory
    values = mixture_percentiles_ms(points, LOCUST_PERCENTS, np.array([1.0]), LOCUST_PERCENTS)
    assert [values[p] for p in LOCUST_PERCENTS] == list(points[0])


def test_an_equal_mixture_by_hand() -> None:
    values = mixture_percentiles_ms(np.array([A, B]), [50, 90, 100], np.array([1.0, 1.0]),
                                    [50, 80, 95, 99, 100])
    # F(20-) = (0.9 + 0) / 2 < 0.5 <= F(20) = (0.9 + 0.5) / 2: p50 = 20
    # on [20, 30]: F = 0.7 + 0.015 (x - 20): p80 = 26.67; F(40) = (1 + 0.9) / 2: p95 = 40
    # on [40, 50]: F = 0.95 + 0.005 (x - 40): p99 = 48
    assert values[50] == pytest.approx(20.0)
    assert values[80] == pytest.approx(20 + 0.1 / 0.015)
    assert values[95] == pytest.approx(40.0)
    assert values[99] == pytest.approx(48.0)
    assert values[100] == pytest.approx(50.0)


def test_weights_count_requests() -> None:
    values = mixture_percentiles_ms(np.array([A, B]), [50, 90, 100], np.array([3.0, 1.0]), [50])
    # on [10, 20): F = 3 (0.5 + 0.04 (x - 10)) / 4 = 0.5  =>  x = 10 + (2/3 - 0.5) / 0.04
    assert values[50] == pytest.approx(10 + (2 / 3 - 0.5) / 0.04)


def test_the_mixture_of_identical_snapshots_is_the_snapshot() -> None:
    points = np.tile([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]], (50, 1)).astype(float)
    values = mixture_percentiles_ms(points, LOCUST_PERCENTS, np.arange(1.0, 51.0), [50, 95, 99.9])
    assert values == {50: 1.0, 95: 6.0, 99.9: 9.0}


def _history(rows: list[list]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(HISTORY_HEADER))
    frame["Type"] = frame["Type"].astype("category")
    return frame


def _ctx(start: float, end: float, whole_run: bool = False) -> PercentileContext:
    columns = {c: float(c[:-1]) for c in PERCENT_COLUMNS}
    return PercentileContext(t_start_s=start, t_end_s=end, whole_run=whole_run, history_columns=columns,
                             stats_columns=columns)


def test_history_rows_without_a_locust_window_yet_are_not_data() -> None:
    # Locust writes 0 for every percentile until its 10 s cache has a snapshot
    rows = [hist_row(T0 + k, "search", 10 * k, pcts=0.0, max_ms=50.0) for k in range(1, 12)]
    rows += [hist_row(T0 + k, "search", 10 * k, pcts=25.0, max_ms=50.0) for k in range(12, 31)]
    estimate = estimate_percentiles(history=_history(rows), stats=None, ctx=_ctx(T0 + 1, T0 + 30), wanted=[50, 99])
    assert estimate is not None and estimate.values_ms == {50: 25.0, 99: 25.0}
    assert estimate.method == METHOD_HISTORY_MIXTURE and not estimate.exact
    assert estimate.snapshots == 2  # the rows of T0+30 and T0+20, each ending a 10 s snapshot


def test_a_window_shorter_than_locusts_uses_its_last_row() -> None:
    rows = [hist_row(T0 + k, "search", 10 * k, pcts=float(k)) for k in range(1, 31)]
    estimate = estimate_percentiles(history=_history(rows), stats=None, ctx=_ctx(T0 + 25, T0 + 30), wanted=[95])
    assert estimate is not None and estimate.values_ms == {95: 30.0} and estimate.snapshots == 1


def test_the_whole_run_uses_locust_stats_when_there_is_one() -> None:
    stats = pd.DataFrame([["GET", "search", 100, 0, 10.0, 90.0, 1.0] + [7.0] * 11],
                         columns=["Type", "Name", "Request Count", "Failure Count", "Average Response Time",
                                  "Max Response Time", "Requests/s", *PERCENT_COLUMNS])
    history = _history([hist_row(T0 + k, "search", 10 * k, pcts=25.0) for k in range(1, 31)])
    whole = estimate_percentiles(history=history, stats=stats, ctx=_ctx(T0 + 1, T0 + 30, True), wanted=[99])
    assert whole is not None and whole.method == METHOD_WHOLE_RUN and whole.exact and whole.values_ms == {99: 7.0}
    windowed = estimate_percentiles(history=history, stats=stats, ctx=_ctx(T0 + 1, T0 + 30), wanted=[99])
    assert windowed is not None and windowed.values_ms == {99: 25.0}
    assert estimate_percentiles(history=history.iloc[:0], stats=None, ctx=_ctx(T0, T0 + 30), wanted=[99]) is None
