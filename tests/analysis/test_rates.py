"""Request and token rates over time from interval_counts.csv (analysis.plots.rates): each bin's
count over the seconds of load it covers, drawn in the middle of them; bins without load left out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis_testkit import T0
from memload import names as C
from memload.analysis.plots.rates import BinnedCounts, error_rates, request_rates, tokens_per_s
from memload.analysis.read.intervals import PlotBins
from memload.analysis.read.window import Window


def _counts(rows: list[tuple[int, str, int, int, int]]) -> pd.DataFrame:
    """(interval offset from T0, scope, requests, failures, output tokens) per row."""
    return pd.DataFrame(
        [(T0 + k, scope, req, fail, tokens, *[0] * (len(C.COUNTS_COLUMNS) - 5)) for k, scope, req, fail, tokens in rows],
        columns=C.COUNTS_COLUMNS,
    )


def _window(load_start: float, load_end: float) -> Window:
    return Window(
        run_start_unix=T0 + load_start - 1,
        run_end_unix=T0 + load_end + 5,
        warmup_s=0.0,
        start_unix=T0 + load_start - 1,
        end_unix=T0 + load_end,
        load_start_unix=T0 + load_start,
        load_end_unix=T0 + load_end,
    )


ROWS = [
    (0, "a", 60, 0, 0),
    (0, "b", 30, 3, 0),
    (10, "a", 100, 5, 0),
    (20, "a", 100, 0, 0),
    (20, "b", 0, 0, 0),
    (30, "a", 30, 0, 0),
    (30, "b", 15, 0, 0),
    (40, "a", 2, 1, 0),
]  # load T0+4 .. T0+33; T0+40 is the drain


def test_rates_divide_by_the_load_each_interval_covers_and_sit_inside_it() -> None:
    rates = request_rates(_counts(ROWS), _window(4, 33))
    assert list(rates) == ["a", "b", "total"]
    total = rates["total"]
    assert list(total.t_unix - T0) == [7.0, 15.0, 25.0, 31.5]  # middles of 4..10, 10..20, 20..30, 30..33
    assert list(total.values) == pytest.approx([90 / 6, 100 / 10, 100 / 10, 45 / 3])
    assert list(rates["b"].values) == pytest.approx([30 / 6, 0.0, 0.0, 15 / 3])  # no row at T0+10: 0
    seconds = np.array([6.0, 10.0, 10.0, 3.0])
    assert float(np.sum(total.values * seconds)) == pytest.approx(
        90 + 100 + 100 + 45
    )  # the drain's 2 left out


def test_error_rate_is_failures_over_requests_per_bin() -> None:
    rates = error_rates(_counts(ROWS), _window(4, 33))
    assert list(rates["total"].values) == pytest.approx([3 / 90, 5 / 100, 0.0, 0.0])
    b = rates["b"].values
    assert (
        b[0] == pytest.approx(0.1) and np.isnan(b[1]) and np.isnan(b[2]) and b[3] == 0.0
    )  # no requests: NaN


def test_long_runs_merge_intervals_into_bins_and_keep_every_request() -> None:
    rows = [(10 * k, "a", 10 + k % 7, 0, 0) for k in range(3000)]
    window = _window(0, 30_000)
    total = request_rates(_counts(rows), window)["total"]
    assert total.values.size == 1500 and list(total.t_unix[:2] - T0) == [10.0, 30.0]  # 2 intervals a bin
    assert float(np.sum(total.values * 20.0)) == pytest.approx(sum(r[2] for r in rows))
    assert error_rates(_counts(rows), window)["total"].values.size == 300  # coarser bins for error rates


def test_tokens_per_second_use_the_given_bins() -> None:
    rows = [(0, "llm_chat", 10, 0, 300), (10, "llm_chat", 10, 0, 500), (10, "rag_query", 5, 0, 100)]
    bins = PlotBins(first_s=float(T0), width_s=10.0, count=2)
    rates = tokens_per_s(_counts(rows), _window(5, 20), bins, ["llm_chat", "total"])
    assert list(rates["llm_chat"].values) == [300 / 5, 500 / 10]
    assert list(rates["total"].values) == [300 / 5, 600 / 10]
    binned = BinnedCounts(_counts(rows), bins, _window(5, 20))
    assert list(binned.seconds) == [5.0, 10.0] and list(binned.t_unix - T0) == [7.5, 15.0]
