"""The target's process figures of one run as per-interval samples (issue 15), from resources.csv.

Each monitor sample sums the target's processes (as the report's ``target.*`` figures do); every
10 s interval of the steady window with at least one such sample gives one sample of
``cpu_pct`` (the mean of the interval's sums, percent of one core) and ``rss_mb`` (their
peak). The whole-window values are the report's: ``target.cpu_pct`` (mean) and
``target.rss_mb`` (peak).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from memload import names as C
from memload.analysis.figures.process import per_sample_sums, process_figures, scope_rows
from memload.analysis.read.window import Window

TARGET = "target"
PROCESS_FIGURES = {"cpu_pct": C.RES_CPU_PCT, "rss_mb": C.RES_RSS_MB}


def target_samples(
    resources: pd.DataFrame, starts: np.ndarray, window: Window
) -> tuple[dict[str, np.ndarray], dict[str, float]] | None:
    """(figure -> per-interval samples, figure -> whole-window value) of the target; None
    without target samples in the window."""
    whole_all, _ = process_figures(resources, window)
    whole = {
        name: whole_all[f"{TARGET}.{name}"] for name in PROCESS_FIGURES if f"{TARGET}.{name}" in whole_all
    }
    rows = scope_rows(resources, TARGET)
    if rows.empty or not whole:
        return None
    sums = per_sample_sums(rows)
    times = sums[C.RES_TIMESTAMP].to_numpy(dtype=float)
    inside = (times >= window.start_unix) & (times <= window.end_unix)
    sums, times = sums[inside], times[inside]
    interval = np.floor(times / C.INTERVAL_S) * C.INTERVAL_S
    keep = np.isin(interval, starts)
    grouped = sums[keep].groupby(interval[keep])
    samples = {
        "cpu_pct": grouped[C.RES_CPU_PCT].mean().to_numpy(dtype=float),
        "rss_mb": grouped[C.RES_RSS_MB].max().to_numpy(dtype=float),
    }
    return samples, whole
