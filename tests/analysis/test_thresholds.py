"""The threshold parser and evaluator: every operator, every error, and how analysis reports them."""
from __future__ import annotations

import math

import pytest

from memload.analysis.figures.analyse import thresholds_of
from memload.analysis.errors import ReportError
from memload.scenario.thresholds import (OPERATORS, Threshold, ThresholdError, ThresholdResult, evaluate,
                                         exit_code, parse_thresholds)


@pytest.mark.parametrize(("text", "op", "limit"), [
    ("< 5", "<", 5.0), ("<=5", "<=", 5.0), ("> 1000", ">", 1000.0), (">= 0.9", ">=", 0.9),
    ("== 0", "==", 0.0), ("!= 3", "!=", 3.0), ("  <  1e-3 ", "<", 0.001), ("> -2.5", ">", -2.5),
    ("< .5", "<", 0.5), ("< 2E3", "<", 2000.0),
])
def test_every_operator_and_number_form_parses(text: str, op: str, limit: float) -> None:
    (threshold,) = parse_thresholds({"search.p95_ms": text})
    assert (threshold.address, threshold.op, threshold.limit) == ("search.p95_ms", op, limit)


def test_a_list_of_conditions_gives_one_threshold_each() -> None:
    parsed = parse_thresholds({"total.rps": ["> 10", "< 5000"], "target.rss_mb": "< 512"})
    assert [(t.address, t.condition) for t in parsed] == [
        ("total.rps", "> 10"), ("total.rps", "< 5000"), ("target.rss_mb", "< 512")]


@pytest.mark.parametrize(("op", "limit", "passing", "failing"), [
    ("<", 5.0, 4.99, 5.0), ("<=", 5.0, 5.0, 5.01), (">", 5.0, 5.01, 5.0), (">=", 5.0, 5.0, 4.99),
    ("==", 5.0, 5.0, 5.1), ("!=", 5.0, 5.1, 5.0),
])
def test_every_operator_evaluates_at_its_boundary(op: str, limit: float, passing: float, failing: float) -> None:
    threshold = Threshold(address="search.p95_ms", op=op, limit=limit)
    assert evaluate([threshold], {"search.p95_ms": passing})[0].passed
    assert not evaluate([threshold], {"search.p95_ms": failing})[0].passed


def test_the_operator_set_is_the_documented_one() -> None:
    assert set(OPERATORS) == {"<", "<=", ">", ">=", "==", "!="}


def test_a_missing_or_nan_figure_fails() -> None:
    threshold = Threshold(address="llm_chat.ttft_p95_ms", op="<", limit=2000)
    (missing,) = evaluate([threshold], {})
    assert missing.measured is None and not missing.passed
    assert not ThresholdResult(threshold=threshold, measured=math.nan).passed


def test_exit_code_is_0_when_all_pass_or_none_and_1_when_any_fails() -> None:
    ok = Threshold(address="total.rps", op=">", limit=1)
    bad = Threshold(address="total.error_rate", op="<", limit=0.001)
    figures = {"total.rps": 10.0, "total.error_rate": 0.5}
    assert exit_code([]) == 0
    assert exit_code(evaluate([ok], figures)) == 0
    assert exit_code(evaluate([ok, bad], figures)) == 1


@pytest.mark.parametrize(("table", "message"), [
    ({"search": "< 5"}, "must be <scope>.<metric>"),
    ({"search.": "< 5"}, "must be <scope>.<metric>"),
    ({"nosuch.p95_ms": "< 5"}, "unknown scope 'nosuch'"),
    ({"search.p97_ms": "< 5"}, "unknown metric 'p97_ms'"),
    ({"target.p95_ms": "< 5"}, "unknown metric 'p95_ms' for 'target'"),
    ({"search.p95_ms": "about 5"}, "cannot parse condition 'about 5'"),
    ({"search.p95_ms": "< five"}, "cannot parse condition"),
    ({"search.p95_ms": "=< 5"}, "cannot parse condition"),
    ({"search.p95_ms": "5"}, "cannot parse condition"),
    ({"search.p95_ms": 5}, "condition must be a string"),
    ({"search.p95_ms": []}, "empty list of conditions"),
    ({"search.p95_ms": ["< 5", None]}, "condition must be a string"),
])
def test_every_error_names_the_key(table: dict, message: str) -> None:
    key = next(iter(table))
    with pytest.raises(ThresholdError) as caught:
        parse_thresholds(table)
    assert message in str(caught.value)
    assert f"threshold {key!r}" in str(caught.value)
    assert caught.value.key == key


def test_analysis_turns_a_threshold_error_into_a_one_line_report_error() -> None:
    with pytest.raises(ReportError) as caught:
        thresholds_of({"thresholds": {"search.p95_ms": "fast please"}})
    assert "'search.p95_ms'" in str(caught.value) and "\n" not in str(caught.value)
    with pytest.raises(ReportError, match="must be a table"):
        thresholds_of({"thresholds": ["search.p95_ms < 5"]})
    assert thresholds_of({}) == [] and thresholds_of({"thresholds": None}) == []
