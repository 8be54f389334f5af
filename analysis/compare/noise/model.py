"""The test of one figure's change between a baseline run and a candidate run, with the run-to-run
noise in it.

Model (per figure, on the log scale: changes are relative): a run's level is the figure's true
level plus a run effect, the same for all of the run's intervals (the machine, the process's
start, what else runs beside it), with standard deviation sigma_run; each 10 s interval adds its
own noise. Two runs of identical settings therefore differ by their two run effects even when
nothing changed, and the intervals of one run, however many, cannot show how large those are: a
test over per-interval samples alone (as Mann-Whitney U over intervals) calls that difference a
change far more often than its alpha says. So:

- the change d = log(candidate / baseline) of the whole-window values (the report's figures);
- its variance: the within-run part, the squared standard error of each run's level from its
  per-interval samples (batch means: consecutive intervals are averaged into blocks until the
  blocks' bias-corrected lag-1 autocorrelation is at most ``MAX_LAG1``, as long as ``MIN_BATCHES``
  blocks remain; a run of under 2 x MIN_BATCHES intervals: each interval one sample. Strongly
  correlated intervals of a short run still make this part too small: the run part covers it),
  plus the run part, 2 x sigma_run^2 (one run effect per side);
- sigma_run is ``log(1 + run_noise_pct / 100)``: ``run_noise_pct`` given per figure (scenario
  ``[compare]`` or ``--run-noise-pct``), else the figure's default in ``RUN_NOISE_PCT``, measured
  from runs of identical settings by compare/noise/calibrate.py (`memload compare --calibrate`);
- test: t = d / standard error, two-sided, Welch-Satterthwaite degrees of freedom of the within
  part (the run part is taken as known); the interval d +- t_q x standard error, back to %.

The error rate is judged on the linear scale (a rate of 0 has no logarithm): d = candidate -
baseline, the run part sigma_run x the mean of the two rates. The target's peak RSS has no within
part (``RUN_LEVEL_FIGURES``): the peak of a run whose memory grows is one value per run.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.stats import t as student_t

CONFIDENCE = 0.95
MAX_LAG1 = 0.1  # batch means: blocks at most this autocorrelated (lag 1, bias-corrected)
MIN_BATCHES = 5  # and never fewer blocks than this (fewer than twice as many intervals: no blocks)
LINEAR_FIGURES: frozenset[str] = frozenset({"error_rate"})
# figures of the whole run whose per-interval samples do not measure the error of its level: the
# peak RSS of a store that grows through the run (each interval's peak is higher than the last);
# judged by the run noise alone (each run one sample, as benchstat)
RUN_LEVEL_FIGURES: frozenset[str] = frozenset({"rss_mb"})

# Run-to-run noise, % (the standard deviation of a run's level between runs of identical settings,
# log scale), per figure: the upper 90 % confidence bounds measured from 10 one-minute runs of the
# compare proof's scenario on the shared 2-core machine, 2026-11-30 15:26-15:49 UTC (compare/noise/
# calibrate.py; README "Compare (issue 15)"; the point estimates in the comments). The error rate
# (no errors in those runs) takes DEFAULT_RUN_NOISE_PCT, not measured. A quiet machine has far less
# noise: measure yours with `memload compare --calibrate RUN RUN RUN...` and give it.
RUN_NOISE_PCT: Mapping[str, float] = {
    "rps": 2.1,  # 0.7
    "p50_ms": 30.2,  # 18.5
    "p95_ms": 51.6,  # 31.2
    "p99_ms": 60.4,  # 36.2
    "ttft_p50_ms": 35.9,  # 21.7
    "ttft_p95_ms": 50.4,  # 30.4
    "tpot_p50_ms": 62.7,  # 36.2
    "tpot_p95_ms": 20.6,  # 12.3
    "cpu_per_req_ms": 20.7,  # 13.1
    "rss_mb": 1.0,  # 0.7
}
DEFAULT_RUN_NOISE_PCT = 25.0


def run_noise_pct(figure: str, given: float | None = None) -> float:
    """The run noise to allow for ``figure`` (its last part names it): ``given``, else the default."""
    if given is not None:
        return given
    return RUN_NOISE_PCT.get(figure.rsplit(".", 1)[-1], DEFAULT_RUN_NOISE_PCT)


def lag1(values: np.ndarray) -> float:
    """Lag-1 autocorrelation (0 for fewer than 3 values or no variation)."""
    if values.size < 3:
        return 0.0
    centred = values - values.mean()
    denominator = float(np.dot(centred, centred))
    return 0.0 if denominator == 0 else float(np.dot(centred[:-1], centred[1:]) / denominator)


def batch_means(values: np.ndarray) -> np.ndarray:
    """``values`` averaged over blocks of consecutive intervals: the smallest block size whose
    means look uncorrelated, their lag-1 autocorrelation r corrected for its small-sample bias
    (r + (1 + 4 max(r, 0)) / blocks) at most MAX_LAG1, or the largest that leaves MIN_BATCHES
    blocks; the values themselves (blocks of 1) when there are fewer than 2 x MIN_BATCHES."""
    if values.size < 2 * MIN_BATCHES:
        return values
    best, size = values, 1
    while values.size // size >= MIN_BATCHES:
        count = values.size // size
        best = values[values.size - count * size :].reshape(count, size).mean(axis=1)
        r = lag1(best)
        if r + (1.0 + 4.0 * max(r, 0.0)) / count <= MAX_LAG1:
            break
        size += 1
    return best


@dataclass(frozen=True, kw_only=True)
class Estimate:
    """The change's test and interval."""

    p_value: float
    ci_low_pct: float | None  # None: a linear figure with a baseline of 0
    ci_high_pct: float | None
    se_within: float  # standard error of d from the intervals (log or linear units)
    se_run: float  # from the run noise
    df: float
    batches: tuple[int, int]  # samples (blocks) behind each run's standard error


def level_se(figure: str, samples: np.ndarray, log: bool) -> tuple[float, int]:
    """Squared standard error of a run's level from its intervals and the number of blocks behind
    it; (0, 1) for a run-level figure."""
    if figure.rsplit(".", 1)[-1] in RUN_LEVEL_FIGURES:
        return 0.0, 1
    values = np.log(samples) if log else samples
    blocks = batch_means(values)
    if blocks.size < 2:
        return 0.0, int(blocks.size)
    return float(blocks.var(ddof=1) / blocks.size), int(blocks.size)


def estimate(
    figure: str,
    baseline_samples: np.ndarray,
    candidate_samples: np.ndarray,
    *,
    baseline: float,
    candidate: float,
    noise_pct: float,
    confidence: float = CONFIDENCE,
) -> Estimate | None:
    """Test and interval of the change of ``figure`` from ``baseline`` to ``candidate`` (the
    whole-window values); None when it has no meaning (a log figure with a value <= 0)."""
    log = figure.rsplit(".", 1)[-1] not in LINEAR_FIGURES
    a, b = np.asarray(baseline_samples, float), np.asarray(candidate_samples, float)
    if log and (baseline <= 0 or candidate <= 0 or (a <= 0).any() or (b <= 0).any()):
        return None
    var_a, n_a = level_se(figure, a, log)
    var_b, n_b = level_se(figure, b, log)
    sigma = math.log1p(noise_pct / 100.0)
    if log:
        d = math.log(candidate / baseline)
        run_var = 2.0 * sigma**2
    else:
        d = candidate - baseline
        run_var = 2.0 * (sigma * (baseline + candidate) / 2.0) ** 2
    total = var_a + var_b + run_var
    parts = [v**2 / (n - 1) for v, n in ((var_a, n_a), (var_b, n_b)) if n > 1 and v > 0]
    df = total**2 / sum(parts) if parts else math.inf
    p, half = _t_test(d, math.sqrt(total), df, confidence)
    if log:
        low, high = math.expm1(d - half) * 100.0, math.expm1(d + half) * 100.0
        ci: tuple[float | None, float | None] = (low, high)
    else:
        ci = (None, None) if baseline == 0 else ((d - half) / baseline * 100.0, (d + half) / baseline * 100.0)
    return Estimate(
        p_value=p,
        ci_low_pct=ci[0],
        ci_high_pct=ci[1],
        se_within=math.sqrt(var_a + var_b),
        se_run=math.sqrt(run_var),
        df=df,
        batches=(n_a, n_b),
    )


def estimate_runs(
    figure: str, baseline_levels: np.ndarray, candidate_levels: np.ndarray, *, confidence: float = CONFIDENCE
) -> Estimate | None:
    """With several runs per side, each run one sample (benchstat): Welch's t test of the runs'
    whole-window values (their logs; the error rate linear), the run noise measured by the runs'
    own spread; None with fewer than 2 runs a side or a log figure with a value <= 0. The change
    is of the geometric means (the error rate: of the means)."""
    log = figure.rsplit(".", 1)[-1] not in LINEAR_FIGURES
    a, b = np.asarray(baseline_levels, float), np.asarray(candidate_levels, float)
    if min(a.size, b.size) < 2 or (log and ((a <= 0).any() or (b <= 0).any())):
        return None
    if log:
        a, b = np.log(a), np.log(b)
    var_a, var_b = float(a.var(ddof=1)) / a.size, float(b.var(ddof=1)) / b.size
    d, total = float(b.mean() - a.mean()), var_a + var_b
    parts = [v**2 / (n - 1) for v, n in ((var_a, a.size), (var_b, b.size)) if v > 0]
    df = total**2 / sum(parts) if parts else math.inf
    p, half = _t_test(d, math.sqrt(total), df, confidence)
    if log:
        ci: tuple[float | None, float | None] = (math.expm1(d - half) * 100.0, math.expm1(d + half) * 100.0)
    else:
        base = float(a.mean())
        ci = (None, None) if base == 0 else ((d - half) / base * 100.0, (d + half) / base * 100.0)
    return Estimate(
        p_value=p,
        ci_low_pct=ci[0],
        ci_high_pct=ci[1],
        se_within=math.sqrt(total),
        se_run=0.0,
        df=df,
        batches=(int(a.size), int(b.size)),
    )


def side_level(figure: str, levels: np.ndarray) -> float | None:
    """One side's value from its runs' whole-window values: the geometric mean (the error rate:
    the mean); None without values (or a log figure with a value <= 0)."""
    values = np.asarray(levels, float)
    if not values.size:
        return None
    if figure.rsplit(".", 1)[-1] in LINEAR_FIGURES:
        return float(values.mean())
    return float(np.exp(np.log(values).mean())) if (values > 0).all() else None


def _t_test(d: float, se: float, df: float, confidence: float) -> tuple[float, float]:
    """Two-sided t test of a difference ``d`` with standard error ``se``: its p value and the half
    width of its ``confidence`` interval."""
    if se == 0:
        return (1.0 if d == 0 else 0.0), 0.0
    p = float(2.0 * student_t.sf(abs(d) / se, df))
    return p, float(student_t.ppf(0.5 + confidence / 2.0, df)) * se
