"""The limits a comparison judges each figure with: from the candidate's scenario ``[compare]``
table (run.json) and the command line, the command line winning; per figure
(``search.p95_ms``), per figure of every scope (``p95_ms``), or for all.

The most specific limit applies: ``scope.figure``, then ``figure``, then the overall value;
command-line values replace the scenario's at the same level.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from memload.analysis.compare.noise.model import run_noise_pct
from memload.analysis.compare.stats import DEFAULT_LIMITS, Limits
from memload.scenario.compare import COMPARE_FIGURES, LIMIT_KEYS, check_limit_address, check_pct

MAX_REGRESSION = "max_regression_pct"
MIN_IMPROVEMENT = "min_improvement_pct"
RUN_NOISE = "run_noise_pct"
assert (MAX_REGRESSION, MIN_IMPROVEMENT, RUN_NOISE) == LIMIT_KEYS


class LimitError(ValueError):
    """A limit that does not parse: one line naming it."""


@dataclass(frozen=True, kw_only=True)
class LimitSet:
    """``overall`` for every figure; ``specific`` maps ``scope.figure`` or ``figure`` to the
    limits given for it ({"max_regression_pct": 10})."""

    overall: Limits = DEFAULT_LIMITS
    specific: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    def for_address(self, address: str) -> Limits:
        figure = address.rpartition(".")[2]
        given: dict[str, float] = {}
        for key in (figure, address):  # the more specific last: it wins
            given.update(self.specific.get(key, {}))
        return _with(self.overall, given)

    def describe(self) -> dict[str, Any]:
        return {
            MAX_REGRESSION: self.overall.max_regression_pct,
            MIN_IMPROVEMENT: self.overall.min_improvement_pct,
            RUN_NOISE: self.overall.run_noise_pct,
            "per_figure": {k: dict(v) for k, v in sorted(self.specific.items())},
        }


def run_noise_table(limits: LimitSet) -> dict[str, float]:
    """The run noise allowed for, per figure: the defaults, overridden by what was given."""
    table = {figure: run_noise_pct(figure, limits.overall.run_noise_pct) for figure in COMPARE_FIGURES}
    for address, given in limits.specific.items():
        if RUN_NOISE in given:
            table[address] = given[RUN_NOISE]
    return dict(sorted(table.items()))


def parse_option(key: str, texts: Iterable[str]) -> tuple[float | None, dict[str, dict[str, float]]]:
    """``--max-regression-pct`` values: ``PCT`` (every figure) or ``ADDRESS=PCT`` (one figure)."""
    overall: float | None = None
    specific: dict[str, dict[str, float]] = {}
    option = "--" + key.replace("_", "-")
    for text in texts:
        address, sep, number = text.rpartition("=")
        try:
            pct = float(number)
        except ValueError:
            raise LimitError(
                f"{option} {text}: not PCT or FIGURE=PCT (e.g. 10 or search.p95_ms=10)"
            ) from None
        problem = check_pct(pct) or (check_limit_address(address.strip()) if sep else None)
        if problem:
            raise LimitError(f"{option} {text}: {problem}")
        if sep:
            specific.setdefault(address.strip(), {})[key] = pct
        else:
            overall = pct
    return overall, specific


def limit_set(
    scenario_table: Mapping[str, Any] | None,
    *,
    max_regression: Iterable[str] = (),
    min_improvement: Iterable[str] = (),
    run_noise: Iterable[str] = (),
    base: Limits = DEFAULT_LIMITS,
) -> LimitSet:
    """The scenario's ``[compare]`` table (as run.json holds it) overlaid with the command line's
    values; a LimitError for a value that does not parse."""
    table = dict(scenario_table or {})
    overall = {k: float(table[k]) for k in LIMIT_KEYS if isinstance(table.get(k), (int, float))}
    specific: dict[str, dict[str, float]] = {
        k: {name: float(pct) for name, pct in v.items() if name in LIMIT_KEYS}
        for k, v in table.items()
        if isinstance(v, Mapping)
    }
    for key, texts in (
        (MAX_REGRESSION, max_regression),
        (MIN_IMPROVEMENT, min_improvement),
        (RUN_NOISE, run_noise),
    ):
        given, per_figure = parse_option(key, texts)
        if given is not None:
            overall[key] = given
        for address, values in per_figure.items():
            specific.setdefault(address, {}).update(values)
    return LimitSet(overall=_with(base, overall), specific=specific)


def _with(limits: Limits, given: Mapping[str, float]) -> Limits:
    if not given:
        return limits
    return replace(
        limits,
        max_regression_pct=given.get(MAX_REGRESSION, limits.max_regression_pct),
        min_improvement_pct=given.get(MIN_IMPROVEMENT, limits.min_improvement_pct),
        run_noise_pct=given.get(RUN_NOISE, limits.run_noise_pct),
    )
