"""The Universal Scalability Law (Gunther) fitted to steady throughput at each concurrency level:

    X(N) = λN / (1 + σ(N−1) + κN(N−1))

σ (contention: the serial fraction, queueing on a shared resource) and κ (coherency: the cost of
keeping N workers consistent, which makes throughput fall past a peak) are ≥ 0, λ (throughput of one
worker) is > 0. The fit is ``scipy.optimize.curve_fit`` (trust-region reflective, bounded) on
*relative* residuals (``sigma`` = the measured throughput, floored at 0.1 % of the largest): noise
of a load test is roughly proportional to the throughput, and unweighted residuals would let the
highest levels decide σ alone. Confidence intervals are Wald intervals from the covariance
(t-distribution with points − 3 degrees of freedom), clipped to the parameter bounds.

What limits the service (``limit``) is read at the largest measured concurrency Nmax, where the two
terms of the denominator are compared:

- "linear": σ(Nmax−1) + κNmax(Nmax−1) < 0.05, throughput within about 5 % of perfect scaling
  over the whole measured range, so neither term limits it yet;
- "contention": σ(Nmax−1) ≥ κNmax(Nmax−1);
- "coherency": κNmax(Nmax−1) > σ(Nmax−1);
- "unknown": the fit failed.

The predicted peak N* = floor(sqrt((1−σ)/κ)) (at least 1) exists only when σ < 1 and κ is not
numerically zero: κNmax(Nmax−1) ≥ 1e-4, i.e. the coherency term changes the predicted throughput at
the largest measured level by at least 0.01 % (a bounded fit of a linear service returns κ of order
1e-12 rather than exactly 0; below that tolerance the "peak" would lie more than about a hundred
times beyond the largest measured concurrency, an extrapolation that means nothing).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import OptimizeWarning, curve_fit
from scipy.stats import t as student_t

Limit = Literal["contention", "coherency", "linear", "unknown"]
Interval = tuple[float, float]

MIN_LEVELS = 6  # distinct concurrency levels for a fit that may be projected
MIN_R_SQUARED = 0.9
CONFIDENCE = 0.95
LINEAR_LOSS = 0.05  # σ(N−1) + κN(N−1) below this at Nmax: "linear"
KAPPA_NEGLIGIBLE = 1e-4  # κNmax(Nmax−1) below this: κ is numerically zero, no peak
WEIGHT_FLOOR = 1e-3  # relative residuals: sigma = max(X, 0.1 % of the largest X)
_NAN_INTERVAL: Interval = (math.nan, math.nan)


def usl_throughput(concurrency: ArrayLike, sigma: float, kappa: float, lam: float) -> NDArray[np.float64]:
    """X(N) of the Universal Scalability Law."""
    n = np.asarray(concurrency, dtype=float)
    return np.asarray(lam * n / (1.0 + sigma * (n - 1.0) + kappa * n * (n - 1.0)), dtype=float)


@dataclass(frozen=True)
class UslFit:
    """A fit of the Universal Scalability Law; parameters are NaN when the fit failed."""

    sigma: float
    kappa: float
    lam: float
    sigma_ci: Interval  # 95 % confidence intervals
    kappa_ci: Interval
    lam_ci: Interval
    r_squared: float  # of the throughput itself (not of the weighted residuals)
    levels: int  # distinct concurrency levels
    points: int  # measurements (a level may be measured more than once)
    max_concurrency: float
    peak_concurrency: int | None  # N* = floor(sqrt((1−σ)/κ)); None: no peak
    peak_throughput: float | None  # X(N*)
    limit: Limit
    usable: bool  # whether a projection may use the fit
    reason: str  # why not, in words; "" when usable
    covariance: tuple[tuple[float, ...], ...]  # of (σ, κ, λ); empty when the fit failed

    @property
    def peak_established(self) -> bool:
        """A peak whose κ is significantly above 0 (its 95 % interval excludes 0); a peak from a κ
        whose interval reaches 0 is a point estimate the data cannot tell from "no peak"."""
        return self.peak_concurrency is not None and self.kappa_ci[0] > 0

    @property
    def failed(self) -> bool:
        return math.isnan(self.lam)

    def predict(self, concurrency: ArrayLike) -> NDArray[np.float64]:
        return usl_throughput(concurrency, self.sigma, self.kappa, self.lam)


@dataclass(frozen=True, eq=False)
class UslBand:
    """The fitted curve over a grid of concurrency and its pointwise 95 % confidence band."""

    concurrency: NDArray[np.float64]
    throughput: NDArray[np.float64]
    low: NDArray[np.float64]
    high: NDArray[np.float64]
    method: str


def fit_usl(concurrency: Sequence[float] | ArrayLike, throughput: Sequence[float] | ArrayLike) -> UslFit:
    """Fit X(N) to (concurrency, steady throughput) points. Malformed input (different lengths,
    non-finite values, concurrency < 1, negative throughput) raises ValueError; data the model
    cannot be fitted to gives a fit with ``usable`` False and the reason."""
    n = np.asarray(concurrency, dtype=float).ravel()
    x = np.asarray(throughput, dtype=float).ravel()
    if n.size != x.size:
        raise ValueError(f"{n.size} concurrency levels but {x.size} throughputs")
    if not (np.all(np.isfinite(n)) and np.all(np.isfinite(x))):
        raise ValueError("concurrency and throughput must be finite numbers")
    if n.size and n.min() < 1:
        raise ValueError(f"concurrency must be at least 1, got {n.min():g}")
    if x.size and x.min() < 0:
        raise ValueError(f"throughput cannot be negative, got {x.min():g}")
    levels = int(np.unique(n).size)
    max_n = float(n.max()) if n.size else math.nan
    if levels < 3:
        return _failed(f"{levels} concurrency levels for a model of 3 parameters", levels, n.size, max_n)
    if x.max() <= 0:
        return _failed("no throughput measured", levels, n.size, max_n)
    try:
        params, covariance = _curve_fit(n, x)
    except (RuntimeError, ValueError) as error:
        return _failed(str(error), levels, n.size, max_n)
    if not np.all(np.isfinite(params)):
        return _failed("non-finite parameters", levels, n.size, max_n)
    return _fitted(n, x, params, covariance, levels)


def _curve_fit(
    n: NDArray[np.float64], x: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    weights = np.maximum(x, WEIGHT_FLOOR * x.max())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OptimizeWarning)  # no covariance: infinite intervals
        params, covariance = curve_fit(
            lambda c, s, k, lam: usl_throughput(c, s, k, lam),
            n,
            x,
            p0=initial_guess(n, x),
            sigma=weights,
            absolute_sigma=False,
            bounds=([0.0, 0.0, np.finfo(float).tiny], [np.inf, np.inf, np.inf]),
            x_scale="jac",
            max_nfev=10_000,
        )
    return np.asarray(params, dtype=float), np.asarray(covariance, dtype=float)


def initial_guess(n: NDArray[np.float64], x: NDArray[np.float64]) -> list[float]:
    """λ from the smallest level (X(Nmin)/Nmin, mean of its measurements); σ and κ from the
    linearised model λN/X − 1 = σ(N−1) + κN(N−1) by least squares, clipped to ≥ 0."""
    smallest = n == n.min()
    lam = float(np.mean(x[smallest]) / n.min())
    if lam <= 0:
        lam = float(np.max(x / n))
    usable = (x > 0) & (n > 1)
    if usable.sum() < 2:
        return [0.0, 0.0, lam]
    m = n[usable]
    design = np.column_stack([m - 1.0, m * (m - 1.0)])
    sigma, kappa = np.linalg.lstsq(design, lam * m / x[usable] - 1.0, rcond=None)[0]
    return [max(float(sigma), 0.0), max(float(kappa), 0.0), lam]


def _fitted(
    n: NDArray[np.float64],
    x: NDArray[np.float64],
    params: NDArray[np.float64],
    covariance: NDArray[np.float64],
    levels: int,
) -> UslFit:
    sigma, kappa, lam = (float(p) for p in params)
    residual = float(np.sum((x - usl_throughput(n, sigma, kappa, lam)) ** 2))
    total = float(np.sum((x - x.mean()) ** 2))
    r_squared = 1.0 - residual / total if total > 0 else math.nan
    intervals = _intervals(params, covariance, n.size)
    max_n = float(n.max())
    contention, coherency = sigma * (max_n - 1.0), kappa * max_n * (max_n - 1.0)
    peak: int | None = None
    if sigma < 1.0 and coherency >= KAPPA_NEGLIGIBLE and kappa > 0:
        peak = max(1, math.floor(math.sqrt((1.0 - sigma) / kappa)))
    limit: Limit
    if contention + coherency < LINEAR_LOSS:
        limit = "linear"
    else:
        limit = "contention" if contention >= coherency else "coherency"
    problems = _problems(levels, n, r_squared)
    if not np.all(np.isfinite(covariance)):
        problems.append("fit failed: its covariance could not be estimated, so no confidence intervals")
    return UslFit(
        sigma=sigma,
        kappa=kappa,
        lam=lam,
        sigma_ci=intervals[0],
        kappa_ci=intervals[1],
        lam_ci=intervals[2],
        r_squared=r_squared,
        levels=levels,
        points=int(n.size),
        max_concurrency=max_n,
        peak_concurrency=peak,
        peak_throughput=None if peak is None else float(usl_throughput(peak, sigma, kappa, lam)),
        limit=limit,
        usable=not problems,
        reason="; ".join(problems),
        covariance=tuple(tuple(float(v) for v in row) for row in covariance),
    )


def _intervals(params: NDArray[np.float64], covariance: NDArray[np.float64], points: int) -> list[Interval]:
    dof = points - 3
    if dof <= 0:
        return [_NAN_INTERVAL] * 3
    half = float(student_t.ppf(0.5 + CONFIDENCE / 2, dof)) * np.sqrt(np.abs(np.diag(covariance)))
    lower_bounds = (0.0, 0.0, 0.0)  # σ, κ ≥ 0 and λ > 0: the interval is clipped to them
    return [(max(float(p - h), low), float(p + h)) for p, h, low in zip(params, half, lower_bounds)]


def _problems(levels: int, n: NDArray[np.float64], r_squared: float) -> list[str]:
    problems = []
    if levels < MIN_LEVELS:
        problems.append(f"fewer than {MIN_LEVELS} concurrency levels ({levels} measured)")
    if not np.any(n == 1):
        problems.append(f"concurrency 1 not measured (smallest: {n.min():g})")
    if math.isnan(r_squared):
        problems.append("R² undefined: every level has the same throughput")
    elif r_squared < MIN_R_SQUARED:
        problems.append(f"R² = {r_squared:.3f} < {MIN_R_SQUARED}: the model does not describe the data")
    return problems


def _failed(message: str, levels: int, points: int, max_n: float) -> UslFit:
    problems = [f"fit failed: {message}"]
    if 3 <= levels < MIN_LEVELS:
        problems.append(f"fewer than {MIN_LEVELS} concurrency levels ({levels} measured)")
    return UslFit(
        sigma=math.nan,
        kappa=math.nan,
        lam=math.nan,
        sigma_ci=_NAN_INTERVAL,
        kappa_ci=_NAN_INTERVAL,
        lam_ci=_NAN_INTERVAL,
        r_squared=math.nan,
        levels=levels,
        points=points,
        max_concurrency=max_n,
        peak_concurrency=None,
        peak_throughput=None,
        limit="unknown",
        usable=False,
        reason="; ".join(problems),
        covariance=(),
    )


def usl_band(fit: UslFit, concurrency: ArrayLike) -> UslBand:
    """The fitted curve over ``concurrency`` and its pointwise 95 % confidence band by the delta
    method: Var X(N) ≈ gᵀ C g with g the gradient of X in (σ, κ, λ) and C the fit's covariance, the
    half-width t(0.975, points − 3)·sqrt(Var); the low side is clipped at 0. Deterministic (no
    sampling). A fit with too few points for a covariance gives a NaN band."""
    if fit.failed:
        raise ValueError(f"no fitted curve: {fit.reason}")
    n = np.asarray(concurrency, dtype=float).ravel()
    denominator = 1.0 + fit.sigma * (n - 1.0) + fit.kappa * n * (n - 1.0)
    curve = fit.lam * n / denominator
    gradient = np.column_stack(
        [
            -fit.lam * n * (n - 1.0) / denominator**2,
            -fit.lam * n**2 * (n - 1.0) / denominator**2,
            n / denominator,
        ]
    )
    dof = fit.points - 3
    covariance = np.asarray(fit.covariance, dtype=float)
    if dof <= 0 or covariance.shape != (3, 3) or not np.all(np.isfinite(covariance)):
        half = np.full(n.shape, math.nan)
    else:
        variance = np.einsum("ij,jk,ik->i", gradient, covariance, gradient)
        half = float(student_t.ppf(0.5 + CONFIDENCE / 2, dof)) * np.sqrt(np.maximum(variance, 0.0))
    return UslBand(
        concurrency=n,
        throughput=curve,
        low=np.maximum(curve - half, 0.0),
        high=curve + half,
        method="delta method, t(points − 3) quantile",
    )
