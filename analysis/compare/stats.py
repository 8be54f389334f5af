"""One figure of a baseline run against a candidate run, benchstat-style: a change is reported
only when the per-interval samples say it is real; ``~`` otherwise.

- value: each run's whole-window exact figure; change % = (candidate / baseline - 1) x 100.
- interval: a 95 % percentile-bootstrap confidence interval for the change in %, of the **ratio of
  the means** of the per-interval samples: both runs' intervals are resampled with replacement
  (``numpy.random.default_rng(seed)``, 2,000 resamples by default), each independently.
- test: two-sided Mann-Whitney U (``scipy.stats.mannwhitneyu``) of the two runs' per-interval
  samples, significant below alpha (0.05).
- verdict: ``~`` when the test is not significant, or the interval contains 0, or either run has
  fewer than ``min_samples`` samples; otherwise ``improved`` or ``regressed`` by the figure's
  direction (lower is better for latency and error rate, higher for throughput). An improvement
  smaller than ``min_improvement_pct`` is ``~``; a regression beyond ``max_regression_pct``
  fails.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import mannwhitneyu

IMPROVED = "improved"
REGRESSED = "regressed"
UNCHANGED = "~"
HIGHER_IS_BETTER: frozenset[str] = frozenset({"rps"})
CONFIDENCE = 0.95


@dataclass(frozen=True, kw_only=True)
class Limits:
    """How a change is judged."""

    alpha: float = 0.05
    min_improvement_pct: float = 0.0  # a real improvement smaller than this is reported as ~
    max_regression_pct: float = 0.0  # a real regression beyond this fails
    resamples: int = 2000
    seed: int = 0
    min_samples: int = 3  # per run; fewer: ~ (no test)


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True, kw_only=True)
class Change:
    """One figure compared."""

    figure: str
    baseline: float | None  # whole-window values
    candidate: float | None
    change_pct: float | None  # None when the baseline is 0 or a value is missing
    ci_low_pct: float | None  # 95 % bootstrap interval of the change of the per-interval means
    ci_high_pct: float | None
    p_value: float | None  # Mann-Whitney U, two-sided; None when not tested
    n_baseline: int
    n_candidate: int
    verdict: str  # "improved", "regressed" or "~"
    fails: bool  # a real regression beyond max_regression_pct
    note: str = ""

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


def bootstrap_ci_pct(
    baseline: Sequence[float] | np.ndarray,
    candidate: Sequence[float] | np.ndarray,
    *,
    resamples: int = 2000,
    seed: int = 0,
    confidence: float = CONFIDENCE,
) -> tuple[float, float] | None:
    """Percentile-bootstrap interval of (mean(candidate) / mean(baseline) - 1) x 100, each sample
    resampled with replacement; None when a sample is empty or every resampled ratio is
    undefined (0 / 0). A ratio over a resampled baseline mean of 0 counts as +inf."""
    a, b = np.asarray(baseline, dtype=float), np.asarray(candidate, dtype=float)
    if not a.size or not b.size:
        return None
    rng = np.random.default_rng(seed)
    means_a = a[rng.integers(0, a.size, size=(resamples, a.size))].mean(axis=1)
    means_b = b[rng.integers(0, b.size, size=(resamples, b.size))].mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = means_b / means_a
    ratios = ratios[~np.isnan(ratios)]
    if not ratios.size:
        return None
    tail = (1.0 - confidence) / 2.0 * 100.0
    low, high = np.percentile(ratios, [tail, 100.0 - tail])
    return float((low - 1.0) * 100.0), float((high - 1.0) * 100.0)


def mann_whitney_p(baseline: np.ndarray, candidate: np.ndarray) -> float:
    """Two-sided Mann-Whitney U p-value; 1 when every value of both samples is the same."""
    if np.unique(np.concatenate([baseline, candidate])).size < 2:
        return 1.0
    p = float(mannwhitneyu(candidate, baseline, alternative="two-sided").pvalue)
    return p if math.isfinite(p) else 1.0


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
    ci: tuple[float, float] | None = None
    p: float | None = None
    if min(a.size, b.size) < limits.min_samples:
        verdict, fails, note = (
            UNCHANGED,
            False,
            f"fewer than {limits.min_samples} interval samples: not tested",
        )
    else:
        ci = bootstrap_ci_pct(a, b, resamples=limits.resamples, seed=limits.seed)
        p = mann_whitney_p(a, b)
        verdict, fails, note = _judge(figure, change, ci, p, limits)
    return Change(
        figure=figure,
        baseline=baseline,
        candidate=candidate,
        change_pct=change,
        ci_low_pct=None if ci is None else ci[0],
        ci_high_pct=None if ci is None else ci[1],
        p_value=p,
        n_baseline=int(a.size),
        n_candidate=int(b.size),
        verdict=verdict,
        fails=fails,
        note=note,
    )


def _judge(
    figure: str,
    change: float | None,
    ci: tuple[float, float] | None,
    p: float,
    limits: Limits,
) -> tuple[str, bool, str]:
    if p >= limits.alpha:
        return UNCHANGED, False, f"not significant (p={p:.2g})"
    if ci is None or ci[0] <= 0.0 <= ci[1]:
        return UNCHANGED, False, "the confidence interval contains 0"
    rose = ci[0] > 0.0
    if change is not None and (change > 0) != rose:
        return UNCHANGED, False, "the whole-window change and the interval samples disagree"
    better = rose == higher_is_better(figure)
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
