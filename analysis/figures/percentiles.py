"""Percentiles over the steady window, from what Locust writes. The one place that computes them:
a later issue replaces this module's ``estimate_percentiles`` with exact HDR histograms.

Locust keeps no per-request data in its CSVs, only quantile points: whole-run ones in
``locust_stats.csv`` and, in ``locust_stats_history.csv`` with ``--csv-full-history``, quantile
points over a sliding window of about the last 10 s at every row. So:

- no warm-up (the window is the whole run) and ``locust_stats.csv`` present: Locust's whole-run
  percentiles, as exact as Locust is (it rounds times to ~2 significant digits);
- otherwise (approximate): the window is cut into 10 s snapshots ending at its last history row;
  each snapshot is a distribution known by its quantile points (``50%`` ... ``100%``, linear
  between points; the half below its median, of which Locust says nothing, is put at the median,
  which can only raise an estimate) weighted by the requests it saw (the difference of
  ``Total Request Count`` over those 10 s); the percentile is that of the weighted mixture. A
  remainder shorter than 10 s at the start of the window is not covered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from memload import names as C

LOCUST_PERCENTILE_WINDOW_S = 10.0  # locust.stats.CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW
METHOD_WHOLE_RUN = "locust_stats_whole_run"
METHOD_HISTORY_MIXTURE = "history_10s_snapshots_mixture"
_CHUNK = 1024


@dataclass(frozen=True, kw_only=True)
class PercentileContext:
    t_start_s: float  # first history timestamp of the steady window
    t_end_s: float  # last history timestamp of the steady window
    whole_run: bool  # no warm-up: the steady window is the whole run
    history_columns: dict[str, float]  # "99.9%" -> 99.9
    stats_columns: dict[str, float]


@dataclass(frozen=True, kw_only=True)
class PercentileEstimate:
    values_ms: dict[float, float]  # percent (e.g. 99.9) -> milliseconds
    method: str
    exact: bool
    snapshots: int


def _cdf(points: np.ndarray, fractions: np.ndarray, xs: np.ndarray, strict: bool) -> np.ndarray:
    """F_i(x) (or its left limit when ``strict``) for every snapshot row i of ``points`` at ``xs``."""
    below = points[:, :, None] < xs if strict else points[:, :, None] <= xs
    j = below.sum(axis=1) - 1  # last point at or below x, -1 when none
    last = points.shape[1] - 1
    jc = np.clip(j, 0, last - 1)
    x0 = np.take_along_axis(points, jc, axis=1)
    x1 = np.take_along_axis(points, jc + 1, axis=1)
    q0, q1 = fractions[jc], fractions[jc + 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        step = np.where(x1 > x0, (xs[None, :] - x0) / (x1 - x0), 1.0)
    values = q0 + np.clip(step, 0.0, 1.0) * (q1 - q0)
    values = np.where(j < 0, 0.0, values)
    return np.where(j >= last, fractions[last], values)


def mixture_percentiles_ms(
    points_ms: np.ndarray, percents: Sequence[float], weights: np.ndarray, wanted: Sequence[float]
) -> dict[float, float]:
    """Percentiles of a weighted mixture of distributions, each given by quantile points.

    ``points_ms`` is (snapshots, len(percents)), ``percents`` ascending. Each distribution is
    linear between its points; the share below its first point sits at that point."""
    fractions = np.concatenate(([0.0], np.asarray(percents, dtype=float) / 100.0))
    points = np.column_stack((points_ms[:, 0], points_ms)).astype(float)
    points = np.maximum.accumulate(points, axis=1)
    xs = np.unique(points)
    right = np.zeros(xs.size)
    left = np.zeros(xs.size)
    for begin in range(0, points.shape[0], _CHUNK):
        chunk, w = points[begin : begin + _CHUNK], weights[begin : begin + _CHUNK]
        right += w @ _cdf(chunk, fractions, xs, strict=False)
        left += w @ _cdf(chunk, fractions, xs, strict=True)
    total = float(weights.sum())
    curve_f = np.column_stack((left, right)).ravel() / total
    curve_x = np.repeat(xs, 2)
    result: dict[float, float] = {}
    for percent in wanted:
        q = percent / 100.0
        i = int(np.searchsorted(curve_f, q - 1e-12, side="left"))
        if i >= curve_f.size:
            result[percent] = float(curve_x[-1])
        elif i == 0 or curve_f[i] == curve_f[i - 1]:
            result[percent] = float(curve_x[i])
        else:
            share = (q - curve_f[i - 1]) / (curve_f[i] - curve_f[i - 1])
            result[percent] = float(
                curve_x[i - 1] + min(max(share, 0.0), 1.0) * (curve_x[i] - curve_x[i - 1])
            )
    return result


def _entry_snapshots(rows: pd.DataFrame, ctx: PercentileContext) -> pd.DataFrame:
    """One entry's (Type, Name) history rows that end a 10 s snapshot, with a weight column."""
    times = rows[C.HIST_TIMESTAMP].to_numpy()
    counts = rows[C.HIST_REQUESTS].to_numpy()
    inside = (times >= ctx.t_start_s + LOCUST_PERCENTILE_WINDOW_S) & (times <= ctx.t_end_s)
    if not inside.any():  # window shorter than Locust's: its last row, which reaches back further
        candidates = (times >= ctx.t_start_s) & (times <= ctx.t_end_s)
        inside = candidates & (times == times[candidates].max()) if candidates.any() else candidates
    slot = np.floor((ctx.t_end_s - times) / LOCUST_PERCENTILE_WINDOW_S)
    picked = rows[inside].assign(_slot=slot[inside]).drop_duplicates("_slot", keep="last")
    before = (
        np.searchsorted(times, picked[C.HIST_TIMESTAMP].to_numpy() - LOCUST_PERCENTILE_WINDOW_S, side="right")
        - 1
    )
    base = np.where(before >= 0, counts[np.clip(before, 0, None)], 0.0)
    return picked.assign(_weight=picked[C.HIST_REQUESTS].to_numpy() - base)


def _from_history(
    history: pd.DataFrame, ctx: PercentileContext, wanted: Sequence[float]
) -> PercentileEstimate | None:
    columns = list(ctx.history_columns)
    parts = [_entry_snapshots(rows, ctx) for _, rows in history.groupby(C.TYPE, observed=True, dropna=False)]
    snaps = pd.concat(parts) if parts else history.iloc[:0]
    if snaps.empty or not columns:
        return None
    points = snaps[columns].to_numpy(dtype=float)
    # Locust writes 0 for every percentile until its 10 s cache has a snapshot: not data
    not_ready = (points[:, -1] == 0) & (snaps[C.HIST_MAX_MS].to_numpy() >= 1)
    keep = (snaps["_weight"].to_numpy() > 0) & ~np.isnan(points).any(axis=1) & ~not_ready
    if not keep.any():
        return None
    values = mixture_percentiles_ms(
        points[keep], list(ctx.history_columns.values()), snaps["_weight"].to_numpy()[keep], wanted
    )
    return PercentileEstimate(
        values_ms=values, method=METHOD_HISTORY_MIXTURE, exact=False, snapshots=int(keep.sum())
    )


def _from_stats(
    stats: pd.DataFrame, ctx: PercentileContext, wanted: Sequence[float]
) -> PercentileEstimate | None:
    columns = list(ctx.stats_columns)
    rows = stats[stats[C.STATS_REQUESTS] > 0]
    points = rows[columns].to_numpy(dtype=float)
    if rows.empty or not columns or np.isnan(points).any():
        return None
    values = mixture_percentiles_ms(
        points, list(ctx.stats_columns.values()), rows[C.STATS_REQUESTS].to_numpy(dtype=float), wanted
    )
    return PercentileEstimate(
        values_ms=values, method=METHOD_WHOLE_RUN, exact=len(rows) == 1, snapshots=len(rows)
    )


def estimate_percentiles(
    *, history: pd.DataFrame, stats: pd.DataFrame | None, ctx: PercentileContext, wanted: Sequence[float]
) -> PercentileEstimate | None:
    """Percentiles (ms) of one scope's requests over the steady window; None without data.

    ``history`` and ``stats`` hold only that scope's rows (one Name, maybe several Types)."""
    if ctx.whole_run and stats is not None and not stats.empty:
        estimate = _from_stats(stats, ctx, wanted)
        if estimate is not None:
            return estimate
    return _from_history(history, ctx, wanted)
