"""Trend statistics: a robust slope with its 95 % confidence interval (Theil–Sen, ``scipy.stats.
theilslopes``) and the Mann–Kendall trend test.

Mann–Kendall is implemented here (scipy has no function by that name): S = Σ_{i<j} sign(y_j − y_i)
over the values in time order, its variance under "no trend" with the correction for ties,
Var(S) = [n(n−1)(2n+5) − Σ t(t−1)(2t+5)] / 18 (t: the size of each group of equal values), the
continuity-corrected z = (S − sign S) / √Var(S), and the two-sided normal p = erfc(|z| / √2). It is
the test of Kendall's τ between time and value (``scipy.stats.kendalltau`` gives the same p but for
the continuity correction; a test checks). O(n²): callers keep n to a few hundred (binned medians).
Both assume independent noise; a slowly wandering series makes them over-confident.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import theilslopes

MIN_POINTS = 6  # fewer points: no trend is estimated


@dataclass(frozen=True, kw_only=True)
class MannKendall:
    s: float
    variance: float
    z: float
    p_value: float  # two-sided
    n: int


@dataclass(frozen=True, kw_only=True)
class Trend:
    slope: float  # value units per x unit (per hour throughout the soak analysis)
    low: float  # 95 % confidence interval of the slope
    high: float
    intercept: float  # the value at x = 0
    x_median: float  # the Theil–Sen line and its band pivot on (median x, median y)
    y_median: float
    p_value: float  # Mann–Kendall, two-sided
    z: float
    n: int

    def at(self, x: ArrayLike) -> np.ndarray:
        return self.intercept + self.slope * np.asarray(x, dtype=float)

    def band(self, x: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """The lines of the lower and upper slope through the median point, lowest first."""
        dx = np.asarray(x, dtype=float) - self.x_median
        one, two = self.y_median + self.low * dx, self.y_median + self.high * dx
        return np.minimum(one, two), np.maximum(one, two)

    @property
    def rising(self) -> bool:
        """Rising beyond doubt: the slope's whole confidence interval is above 0."""
        return self.low > 0


def mann_kendall(values: ArrayLike) -> MannKendall:
    """The Mann–Kendall test of ``values`` in time order (non-finite values dropped)."""
    y = np.asarray(values, dtype=float)
    y = y[np.isfinite(y)]
    n = int(y.size)
    if n < 3:
        return MannKendall(s=0.0, variance=0.0, z=0.0, p_value=1.0, n=n)
    s = 0
    for i in range(n - 1):
        s += int(np.sign(y[i + 1 :] - y[i]).sum())
    _, ties = np.unique(y, return_counts=True)
    ties = ties[ties > 1].astype(float)
    variance = (n * (n - 1) * (2 * n + 5) - float(np.sum(ties * (ties - 1) * (2 * ties + 5)))) / 18.0
    if variance <= 0 or s == 0:
        return MannKendall(s=float(s), variance=max(variance, 0.0), z=0.0, p_value=1.0, n=n)
    z = (s - math.copysign(1.0, s)) / math.sqrt(variance)
    return MannKendall(s=float(s), variance=variance, z=z, p_value=math.erfc(abs(z) / math.sqrt(2.0)), n=n)


def fit_trend(x: ArrayLike, y: ArrayLike) -> Trend | None:
    """Theil–Sen slope (95 % CI) and Mann–Kendall p of y against x; None below MIN_POINTS points."""
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = np.isfinite(xs) & np.isfinite(ys)
    xs, ys = xs[keep], ys[keep]
    if xs.size < MIN_POINTS or np.ptp(xs) <= 0:
        return None
    order = np.argsort(xs, kind="stable")
    xs, ys = xs[order], ys[order]
    fit = theilslopes(ys, xs, alpha=0.95)
    test = mann_kendall(ys)
    slope, low, high = float(fit.slope), float(fit.low_slope), float(fit.high_slope)
    return Trend(
        slope=slope,
        low=min(low, high),
        high=max(low, high),
        intercept=float(fit.intercept),
        x_median=float(np.median(xs)),
        y_median=float(np.median(ys)),
        p_value=test.p_value,
        z=test.z,
        n=int(xs.size),
    )


def p_text(p_value: float) -> str:
    """``p < 0.001`` or ``p = 0.004``."""
    return "p < 0.001" if p_value < 0.001 else f"p = {p_value:.2g}"
