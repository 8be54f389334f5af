"""Latency drift of a soak run: the exact p95 of the last window against the first (windows of the
same length, ``windows.py``), with a significance test, and the trend of p95 over every window.

- ``pct``: (last p95 / first p95 − 1) × 100, each p95 exact from the window's merged histograms.
- The test: the exact p95 of each 10 s interval (every operation merged) in the first window and
  in the last are two samples; a two-sided Mann–Whitney U test (``scipy.stats.mannwhitneyu``) says
  whether one tends to be higher than the other. Significant below ``DRIFT_P`` (0.01).
- The trend: Theil–Sen slope of the windows' p95 against their midpoints (ms per hour), its 95 %
  CI and the Mann–Kendall p (``trend.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import mannwhitneyu

from memload.analysis.soak.trend import Trend, fit_trend
from memload.analysis.soak.windows import SoakWindow, interval_p95_ms

DRIFT_P = 0.01
MIN_SAMPLES = 3  # per-interval p95 values per window for the test
P95 = "total.p95_ms"


@dataclass(frozen=True, kw_only=True)
class Drift:
    first_p95_ms: float
    last_p95_ms: float
    pct: float
    p_value: float | None  # Mann–Whitney U; None with fewer than MIN_SAMPLES intervals in a window
    first_intervals: int
    last_intervals: int
    trend: Trend | None  # p95 (ms) per hour over the windows

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < DRIFT_P


def latency_drift(windows: Sequence[SoakWindow], rows: pd.DataFrame, run_start_unix: float) -> Drift | None:
    """None without a p95 in the first or the last window (a run without memload's histograms)."""
    if len(windows) < 2:
        return None
    first, last = windows[0], windows[-1]
    first_p95, last_p95 = first.get(P95), last.get(P95)
    if first_p95 is None or last_p95 is None or first_p95 <= 0:
        return None
    before = interval_p95_ms(rows, first.start_unix, first.end_unix)
    after = interval_p95_ms(rows, last.start_unix, last.end_unix)
    p_value = None
    if before.size >= MIN_SAMPLES and after.size >= MIN_SAMPLES:
        p_value = float(mannwhitneyu(after, before, alternative="two-sided").pvalue)
    measured = [w for w in windows if w.get(P95) is not None]
    hours = np.array([(w.start_unix + w.end_unix) / 2.0 - run_start_unix for w in measured]) / 3600.0
    return Drift(
        first_p95_ms=first_p95,
        last_p95_ms=last_p95,
        pct=(last_p95 / first_p95 - 1.0) * 100.0,
        p_value=p_value,
        first_intervals=int(before.size),
        last_intervals=int(after.size),
        trend=fit_trend(hours, [w.figures[P95] for w in measured]),
    )
