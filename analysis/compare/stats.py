"""One figure of a baseline run against a candidate run, benchstat-style: a change is reported
only when a test that allows for run-to-run noise says it is real; ``~`` otherwise.

- value: each run's whole-window exact figure; change % = (candidate / baseline - 1) x 100.
- test and interval: compare/noise/model.py. The change's standard error holds the within-run part
  (each run's per-interval samples, as batch means when consecutive intervals are correlated) and
  the run part (``run_noise_pct``: how much runs of identical settings differ; per figure, measured
  from A/A runs); a two-sided t test at alpha (0.05) and its 95 % interval of the change in %.
- verdict: ``~`` when the test is not significant, or either run has fewer than ``min_samples``
  samples; otherwise ``improved`` or ``regressed`` by the figure's direction (lower is better for
  latency, error rate and CPU per request, higher for throughput). An improvement smaller than
  ``min_improvement_pct`` is ``~``; a regression beyond ``max_regression_pct`` fails.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from memload.analysis.compare.noise.model import estimate, estimate_runs, run_noise_pct, side_level

IMPROVED = "improved"
REGRESSED = "regressed"
UNCHANGED = "~"
HIGHER_IS_BETTER: frozenset[str] = frozenset({"rps"})


@dataclass(frozen=True, kw_only=True)
class Limits:
    """How a change is judged."""

    alpha: float = 0.05
    min_improvement_pct: float = 0.0  # a real improvement smaller than this is reported as ~
    max_regression_pct: float = 0.0  # a real regression beyond this fails
    min_samples: int = 3  # per run; fewer: ~ (no test)
    run_noise_pct: float | None = None  # run-to-run noise allowed for; None: the figure's default


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True, kw_only=True)
class Change:
    """One figure compared."""

    figure: str
    baseline: float | None  # whole-window values
    candidate: float | None
    change_pct: float | None  # None when the baseline is 0 or a value is missing
    ci_low_pct: float | None  # 95 % interval of the change (within-run and run-to-run noise)
    ci_high_pct: float | None
    p_value: float | None  # the t test, two-sided; None when not tested
    n_baseline: int
    n_candidate: int
    verdict: str  # "improved", "regressed" or "~"
    fails: bool  # a real regression beyond max_regression_pct
    note: str = ""
    run_noise_pct: float | None = None  # the run noise the test allowed for

    @property
    def real(self) -> bool:
        return self.verdict != UNCHANGED


def higher_is_better(figure: str) -> bool:
    return figure.rsplit(".", 1)[-1] in HIGHER_IS_BETTER


def change_pct(baseline: float | None, candidate: float | None) -> float | None:
    if baseline is None or candidate is None or not (math.isfinite(baseline) and math.isfinite(candidate)):
        return None
    if baseline == 0:
        return 0.0 if candidate == 0 else None
    return (candidate / baseline - 1.0) * 100.0


def compare_figure(
    figure: str,
    baseline_samples: Sequence[float] | np.ndarray,
    candidate_samples: Sequence[float] | np.ndarray,
    *,
    baseline: float | None,
    candidate: float | None,
    limits: Limits = DEFAULT_LIMITS,
) -> Change:
    """Compare one figure: ``*_samples`` are the per-interval samples, ``baseline`` and
    ``candidate`` the whole-window values. ``figure`` may be an address ("search.p95_ms"); its
    last part gives the direction."""
    a = np.asarray(baseline_samples, dtype=float)
    b = np.asarray(candidate_samples, dtype=float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    change = change_pct(baseline, candidate)
    noise = run_noise_pct(figure, limits.run_noise_pct)
    ci: tuple[float | None, float | None] = (None, None)
    p: float | None = None
    if min(a.size, b.size) < limits.min_samples:
        verdict, fails, note = (
            UNCHANGED,
            False,
            f"fewer than {limits.min_samples} interval samples: not tested",
        )
    elif baseline is None or candidate is None or not math.isfinite(baseline + candidate):
        verdict, fails, note = UNCHANGED, False, "no test: a whole-window value is missing"
    else:
        found = estimate(figure, a, b, baseline=baseline, candidate=candidate, noise_pct=noise)
        if found is None:
            verdict, fails, note = UNCHANGED, False, "no test: a value is not positive"
        else:
            ci, p = (found.ci_low_pct, found.ci_high_pct), found.p_value
            verdict, fails, note = _judge(figure, change, candidate - baseline, p, limits)
    return Change(**_sides(figure, baseline, candidate, a, b), change_pct=change, ci_low_pct=ci[0],
                  ci_high_pct=ci[1], p_value=p, verdict=verdict, fails=fails, note=note,
                  run_noise_pct=noise)  # fmt: skip


def compare_figure_runs(
    figure: str,
    baseline_levels: Sequence[float],
    candidate_levels: Sequence[float],
    *,
    limits: Limits = DEFAULT_LIMITS,
) -> Change:
    """Compare one figure with several runs a side, each run one sample (its whole-window value):
    compare/noise/model.py ``estimate_runs``; the values shown are the sides' geometric means."""
    a = np.asarray([v for v in baseline_levels if v is not None and math.isfinite(v)], dtype=float)
    b = np.asarray([v for v in candidate_levels if v is not None and math.isfinite(v)], dtype=float)
    baseline, candidate = side_level(figure, a), side_level(figure, b)
    change = change_pct(baseline, candidate)
    ci: tuple[float | None, float | None] = (None, None)
    p: float | None = None
    found = estimate_runs(figure, a, b)
    if found is None or baseline is None or candidate is None:
        verdict, fails, note = UNCHANGED, False, "no test: fewer than 2 runs a side with a positive value"
    else:
        ci, p = (found.ci_low_pct, found.ci_high_pct), found.p_value
        verdict, fails, note = _judge(figure, change, candidate - baseline, p, limits)
    return Change(**_sides(figure, baseline, candidate, a, b), change_pct=change, ci_low_pct=ci[0],
                  ci_high_pct=ci[1], p_value=p, verdict=verdict, fails=fails,
                  note=note or f"{a.size} and {b.size} runs, each run one sample")  # fmt: skip


def _sides(
    figure: str, baseline: float | None, candidate: float | None, a: np.ndarray, b: np.ndarray
) -> dict[str, Any]:
    """What a Change says of the two sides: their values and how many samples each had."""
    return {
        "figure": figure,
        "baseline": baseline,
        "candidate": candidate,
        "n_baseline": int(a.size),
        "n_candidate": int(b.size),
    }


def _judge(
    figure: str, change: float | None, difference: float, p: float, limits: Limits
) -> tuple[str, bool, str]:
    if p >= limits.alpha:
        return UNCHANGED, False, f"not significant (p={p:.2g})"
    if difference == 0:
        return UNCHANGED, False, "no change"
    better = (difference > 0) == higher_is_better(figure)
    size = abs(change) if change is not None else math.inf  # from a baseline of 0
    if better:
        if size < limits.min_improvement_pct:
            return UNCHANGED, False, f"improvement below {limits.min_improvement_pct:g} %"
        return IMPROVED, False, ""
    fails = size > limits.max_regression_pct
    return REGRESSED, fails, "" if fails else f"within the {limits.max_regression_pct:g} % allowed"


def overall_verdict(changes: Sequence[Change]) -> str:
    """``regressed`` if any real regression is beyond its limit; ``improved`` if any figure
    improved and none regressed; ``~`` otherwise."""
    if any(c.fails for c in changes):
        return REGRESSED
    if any(c.verdict == IMPROVED for c in changes) and not any(c.verdict == REGRESSED for c in changes):
        return IMPROVED
    return UNCHANGED
