"""The target's process figures of one run as per-interval samples (issue 15), from resources.csv.

Each monitor sample sums the target's processes (as the report's ``target.*`` figures do); every
10 s interval of the steady window with at least one such sample and some requests gives one sample
of ``cpu_per_req_ms``, the target's CPU time per request (the mean of the interval's CPU sums,
percent of one core, x 10 / the interval's requests per second: ms of CPU per request), and of
``rss_mb`` (the peak of its sums). CPU per request, not CPU: a faster candidate serving more
requests uses more CPU for the same work. The whole-window values: the report's ``target.cpu_pct``
(mean) x 10 / the window's requests per second, and ``target.rss_mb`` (peak).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from memload import names as C
from memload.analysis.figures.process import per_sample_sums, process_figures, scope_rows
from memload.analysis.read.window import Window

TARGET = "target"
CPU_PER_REQUEST = "cpu_per_req_ms"
RSS = "rss_mb"
PROCESS_FIGURES = (CPU_PER_REQUEST, RSS)
MS_PER_PCT_S = 10.0  # 1 % of a core for 1 s = 10 ms of CPU


def target_samples(
    resources: pd.DataFrame,
    starts: np.ndarray,
    window: Window,
    rps_times: np.ndarray,
    rps: np.ndarray,
    whole_rps: float | None,
) -> tuple[dict[str, np.ndarray], dict[str, float]] | None:
    """(figure -> per-interval samples, figure -> whole-window value) of the target, ``rps`` the
    total requests/s of the intervals starting at ``rps_times`` (and of the window); None without
    target samples in the window."""
    whole_all, _ = process_figures(resources, window)
    whole: dict[str, float] = {}
    cpu = whole_all.get(f"{TARGET}.cpu_pct")
    if cpu is not None and whole_rps:
        whole[CPU_PER_REQUEST] = cpu * MS_PER_PCT_S / whole_rps
    if f"{TARGET}.{RSS}" in whole_all:
        whole[RSS] = whole_all[f"{TARGET}.{RSS}"]
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
    cpu_pct = grouped[C.RES_CPU_PCT].mean()
    rate = pd.Series(rps, index=rps_times).reindex(cpu_pct.index)
    usable = (rate > 0).to_numpy()
    per_request = cpu_pct.to_numpy(dtype=float)[usable] * MS_PER_PCT_S / rate.to_numpy(dtype=float)[usable]
    samples = {
        CPU_PER_REQUEST: per_request,
        RSS: grouped[C.RES_RSS_MB].max().to_numpy(dtype=float),
    }
    return samples, whole
