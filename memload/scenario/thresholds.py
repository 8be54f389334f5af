"""k6-style thresholds: ``"search.p95_ms" = "< 50"``, parsed when a scenario is loaded and
evaluated against a run's figures. Pure Python: no pandas, no locust."""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from memload.scenario.durations import parse_duration_s
from memload.scenario.figures import (
    BREAKDOWN_SEPARATOR,
    SCOPES,
    SERIES_SCOPE_PREFIX,
    is_known_figure,
    metrics_for_scope,
    split_address,
)

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
_CONDITION = re.compile(r"^\s*(<=|>=|==|!=|<|>)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")


class ThresholdError(ValueError):
    """A threshold that does not parse or names an unknown figure; the message names the key."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"threshold {key!r}: {message}")
        self.key = key


# abort_on_fail is evaluated while the run goes on, on the figures memload's live totals have
# (memload.loadgen.live.metrics): a request figure of an operation or of ``total``, over the run so far
LIVE_METRICS: tuple[str, ...] = ("requests", "failures", "error_rate", "p50_ms", "p95_ms", "p99_ms", "max_ms")
THRESHOLD_TABLE_KEYS = ("condition", "abort_on_fail", "delay")


@dataclass(frozen=True, kw_only=True)
class Threshold:
    address: str  # "<scope>.<metric>"
    op: str  # one of OPERATORS
    limit: float
    abort_on_fail: bool = False  # stop the run as soon as it fails (after abort_delay_s), as k6 does
    abort_delay_s: float = 0.0  # from the test's start: no abort before this

    @property
    def condition(self) -> str:
        return f"{self.op} {self.limit:g}"

    def passes(self, measured: float) -> bool:
        return OPERATORS[self.op](measured, self.limit)


@dataclass(frozen=True, kw_only=True)
class ThresholdResult:
    threshold: Threshold
    measured: float | None  # None: the run has no value for the figure

    @property
    def passed(self) -> bool:
        if self.measured is None or math.isnan(self.measured):
            return False
        return self.threshold.passes(self.measured)


def parse_condition(key: str, text: object) -> tuple[str, float]:
    if not isinstance(text, str):
        raise ThresholdError(key, f'condition must be a string like "< 50", got {text!r}')
    match = _CONDITION.match(text)
    if not match:
        allowed = ", ".join(OPERATORS)
        raise ThresholdError(
            key, f"cannot parse condition {text!r}: expected an operator ({allowed}) and a number"
        )
    return match.group(1), float(match.group(2))


def check_address(key: str) -> None:
    scope, metric = split_address(key)
    if not scope or not metric:
        raise ThresholdError(key, 'the key must be <scope>.<metric>, e.g. "search.p95_ms"')
    if scope not in SCOPES and BREAKDOWN_SEPARATOR not in scope and not scope.startswith(SERIES_SCOPE_PREFIX):
        raise ThresholdError(key, f"unknown scope {scope!r}; allowed: {', '.join(SCOPES)}")
    if not is_known_figure(key):
        allowed = ", ".join(metrics_for_scope(scope))
        raise ThresholdError(key, f"unknown metric {metric!r} for {scope!r}; allowed: {allowed}")


def parse_thresholds(table: Mapping[str, object]) -> list[Threshold]:
    """Parse a scenario's ``[thresholds]`` table. A value is one condition, a list of them, or a
    table ``{ condition = "< 0.05", abort_on_fail = true, delay = "30s" }``."""
    parsed: list[Threshold] = []
    for key, value in table.items():
        check_address(key)
        conditions = value if isinstance(value, list) else [value]
        if not conditions:
            raise ThresholdError(key, "empty list of conditions")
        for item in conditions:
            parsed.append(_one_threshold(key, item))
    return parsed


def _one_threshold(key: str, item: object) -> Threshold:
    if not isinstance(item, Mapping):
        op, limit = parse_condition(key, item)
        return Threshold(address=key, op=op, limit=limit)
    unknown = sorted(set(item) - set(THRESHOLD_TABLE_KEYS))
    if unknown:
        raise ThresholdError(
            key, f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(THRESHOLD_TABLE_KEYS)}"
        )
    if "condition" not in item:
        raise ThresholdError(key, 'a threshold table needs condition = "<op> <number>"')
    op, limit = parse_condition(key, item["condition"])
    abort = item.get("abort_on_fail", False)
    if not isinstance(abort, bool):
        raise ThresholdError(key, f"abort_on_fail must be true or false, got {abort!r}")
    if abort and key.partition(".")[2] not in LIVE_METRICS:
        raise ThresholdError(
            key,
            f"abort_on_fail is evaluated during the run, on {', '.join(LIVE_METRICS)} of an operation "
            "or total",
        )
    return Threshold(address=key, op=op, limit=limit, abort_on_fail=abort, abort_delay_s=_delay_s(key, item))


def _delay_s(key: str, item: Mapping[str, object]) -> float:
    try:
        return parse_duration_s(item.get("delay", 0))
    except ValueError as error:
        raise ThresholdError(key, f"delay: {error}") from None


def evaluate(thresholds: list[Threshold], figures: Mapping[str, float | None]) -> list[ThresholdResult]:
    """Measure each threshold against ``figures`` (address -> value); a missing figure fails."""
    return [ThresholdResult(threshold=t, measured=figures.get(t.address)) for t in thresholds]


def exit_code(results: list[ThresholdResult]) -> int:
    """0 when every threshold passes (or there are none), 1 when any fails."""
    return 0 if all(r.passed for r in results) else 1


def parse_slo(text: object) -> Threshold:
    """One service-level objective written as a single string, ``"search.p95_ms < 50"`` (capacity
    runs: ``[capacity].slo`` and ``memload capacity --slo``), checked like a threshold."""
    if not isinstance(text, str) or not text.strip():
        raise ThresholdError(str(text), 'an SLO is a string like "search.p95_ms < 50"')
    address, _, condition = text.strip().partition(" ")
    check_address(address)
    op, limit = parse_condition(address, condition)
    return Threshold(address=address, op=op, limit=limit)
