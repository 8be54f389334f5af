"""Run-to-run noise measured from runs of identical settings (A/A runs): for every figure, how
much the runs' levels differ beyond what their intervals explain (``memload compare --calibrate``,
benchmarks/bench_compare.py).

Per figure address (``search.p95_ms``) with a positive value in every run: the runs' levels are the
logs of their whole-window values; sigma_run^2 = their variance (n - 1) less the mean squared
standard error of a level from its own intervals (batch means, compare/noise/model.py), at least 0.
Per figure (``p95_ms``) the scopes are pooled (the root of the mean sigma_run^2). Reported as
``run_noise_pct`` = (exp(sigma_run) - 1) x 100, the unit the model takes, with its upper
``UPPER_CONFIDENCE`` one-sided bound (``upper_pct``: the levels' variance times (k - 1) /
chi2(1 - UPPER_CONFIDENCE, k - 1), less the same within part): a few runs estimate the noise only
roughly, and an underestimate raises the rate of false positives, so memload's defaults are the
upper bounds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2

from memload.analysis.compare.noise.model import LINEAR_FIGURES, level_se
from memload.analysis.compare.samples import RunSamples

MIN_RUNS = 3
UPPER_CONFIDENCE = 0.9


@dataclass(frozen=True, kw_only=True)
class Noise:
    """One figure's (or address's) measured run noise."""

    name: str
    run_noise_pct: float
    upper_pct: float
    runs: int
    spread_pct: float  # (max / min - 1) x 100 of the runs' whole-window values
    scopes: int = 1


def _address_noise(address: str, runs: Sequence[RunSamples]) -> tuple[float, float, int, float] | None:
    """(sigma_run^2 on the log scale, its upper bound, runs, spread %) of one address; None when
    a run lacks it."""
    scope, _, figure = address.rpartition(".")
    levels, within = [], []
    for run in runs:
        found = run.scopes.get(scope)
        value = None if found is None else found.whole.get(figure)
        samples = None if found is None else found.samples.get(figure)
        if value is None or not value > 0 or samples is None or not len(samples):
            return None
        samples = np.asarray(samples, float)
        if (samples <= 0).any():
            return None
        levels.append(math.log(value))
        within.append(level_se(figure, samples, log=True)[0])
    if len(levels) < MIN_RUNS:
        return None
    k, between, inside = len(levels), float(np.var(levels, ddof=1)), float(np.mean(within))
    upper = between * (k - 1) / float(chi2.ppf(1.0 - UPPER_CONFIDENCE, k - 1))
    spread = math.expm1(max(levels) - min(levels)) * 100.0
    return max(between - inside, 0.0), max(upper - inside, 0.0), k, spread


def measure_noise(runs: Sequence[RunSamples]) -> tuple[list[Noise], list[Noise]]:
    """(per figure pooled over scopes, per address) run noise of ``runs`` (identical settings,
    at least MIN_RUNS); figures judged on the linear scale (error rate) are left out."""
    addresses = sorted(
        {f"{scope}.{figure}" for run in runs for scope, s in run.scopes.items() for figure in s.whole}
    )
    per_address: list[Noise] = []
    pooled: dict[str, list[tuple[float, float, float]]] = {}
    for address in addresses:
        figure = address.rpartition(".")[2]
        if figure in LINEAR_FIGURES:
            continue
        found = _address_noise(address, runs)
        if found is None:
            continue
        sigma2, upper, count, spread = found
        per_address.append(
            Noise(
                name=address, run_noise_pct=_pct(sigma2), upper_pct=_pct(upper), runs=count, spread_pct=spread
            )
        )
        pooled.setdefault(figure, []).append((sigma2, upper, spread))
    per_figure = [
        Noise(
            name=figure,
            run_noise_pct=_pct(float(np.mean([s for s, _, _ in found]))),
            upper_pct=_pct(float(np.mean([u for _, u, _ in found]))),
            runs=len(runs),
            spread_pct=max(spread for _, _, spread in found),
            scopes=len(found),
        )
        for figure, found in sorted(pooled.items())
    ]
    return per_figure, per_address


def _pct(sigma2: float) -> float:
    return math.expm1(math.sqrt(sigma2)) * 100.0
