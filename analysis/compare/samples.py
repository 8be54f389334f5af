"""Per-interval samples of one run's steady window, for comparing two runs (issue 15).

For every operation and ``total``, each 10 s interval of the steady window (the intervals whose
midpoints lie in it, as the report's figures) gives one sample of:

- ``rps``: the interval's requests divided by the seconds of load it covers (10 s, less for an
  interval clipped by the load's start or end; an interval with no load gives no sample);
- ``p50_ms``, ``p95_ms``, ``p99_ms``: exact percentiles of the interval's merged ``response_ms``
  histogram (rows of the same key merged; ``total`` is every operation's merge); an interval with
  fewer than ``MIN_PERCENTILE_REQUESTS`` recorded requests gives no sample;
- ``error_rate``: failures / requests of the interval (no sample without requests);
- LLM streaming (the operations with ``ttft_ms`` / ``tpot_ms`` histograms, and ``total``):
  ``ttft_p50_ms``, ``ttft_p95_ms``, ``tpot_p50_ms``, ``tpot_p95_ms``, exact percentiles of the
  interval's merged histogram, as for response times;
- ``target``: ``cpu_per_req_ms`` (CPU time per request) and ``rss_mb`` of the target's processes
  (compare/resources.py).

The whole-window values are the report's own: the same figures from ``exact_view`` (the merged
histogram of the window and the counters summed over it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from memload import names as C
from memload.analysis.compare.resources import TARGET, target_samples
from memload.analysis.errors import ReportError
from memload.analysis.figures.exact import exact_view
from memload.analysis.read.hdr import (
    Counts,
    Decoder,
    HistogramDecodeError,
    empty_counts,
    percentile_values,
    scale_of,
    total_count,
)
from memload.analysis.read.intervals import TOTAL, IntervalFiles, selected
from memload.analysis.read.rundir import load_run
from memload.analysis.read.window import Window, steady_window

MIN_PERCENTILE_REQUESTS = 20  # fewer requests in an interval: no percentile sample from it
RPS = "rps"
ERROR_RATE = "error_rate"
PERCENTILE_FIGURES: dict[str, float] = {"p50_ms": 50.0, "p95_ms": 95.0, "p99_ms": 99.0}
FIGURES: tuple[str, ...] = (RPS, *PERCENTILE_FIGURES, ERROR_RATE)
# histogram metric -> {figure: percent}: LLM streaming figures, present only where recorded
LLM_PERCENTILES: dict[str, dict[str, float]] = {
    "ttft_ms": {"ttft_p50_ms": 50.0, "ttft_p95_ms": 95.0},
    "tpot_ms": {"tpot_p50_ms": 50.0, "tpot_p95_ms": 95.0},
}
LLM_FIGURES: tuple[str, ...] = tuple(name for figures in LLM_PERCENTILES.values() for name in figures)


@dataclass(frozen=True, kw_only=True)
class ScopeSamples:
    """One operation's (or ``total``'s) samples: figure -> one value per usable interval."""

    scope: str
    samples: Mapping[str, np.ndarray]
    whole: Mapping[str, float]  # figure -> the whole window's exact value (absent when undefined)
    times: Mapping[str, np.ndarray] = field(default_factory=dict)  # figure -> its samples' interval starts


@dataclass(frozen=True, kw_only=True)
class RunSamples:
    run_dir: Path
    meta: Mapping[str, Any]
    window: Window
    intervals: np.ndarray  # starts of the window's intervals
    scopes: Mapping[str, ScopeSamples]  # operations and "total"
    warnings: tuple[str, ...] = field(default_factory=tuple)


def interval_seconds(starts: np.ndarray, window: Window) -> np.ndarray:
    """Seconds of load inside each interval (clipped to the load's span)."""
    low = np.maximum(starts, window.load_start_s)
    high = np.minimum(starts + C.INTERVAL_S, window.load_end_s)
    return np.clip(high - low, 0.0, None)


def _counter_samples(
    files: IntervalFiles, window: Window
) -> tuple[np.ndarray, np.ndarray, dict[str, dict[str, np.ndarray]]]:
    """Window interval starts, and per scope the rps and error-rate samples."""
    counts = files.counts
    chosen = counts[selected(counts[C.IC_INTERVAL].to_numpy(dtype=float), window)]
    starts = np.unique(chosen[C.IC_INTERVAL].to_numpy(dtype=float))
    seconds = interval_seconds(starts, window)
    loaded = seconds > 0
    scopes = chosen[C.IC_SCOPE].astype(str).to_numpy()
    position = np.searchsorted(starts, chosen[C.IC_INTERVAL].to_numpy(dtype=float))
    result: dict[str, dict[str, np.ndarray]] = {}
    for scope in [*sorted(set(scopes) - {TOTAL}), TOTAL]:
        rows = scopes != TOTAL if scope == TOTAL else scopes == scope
        n = np.bincount(
            position[rows], weights=chosen[C.IC_REQUESTS].to_numpy(float)[rows], minlength=starts.size
        )
        f = np.bincount(
            position[rows], weights=chosen[C.IC_FAILURES].to_numpy(float)[rows], minlength=starts.size
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            result[scope] = {RPS: n[loaded] / seconds[loaded], ERROR_RATE: (f / n)[n > 0]}
    return starts, starts[loaded], result


def _interval_percentiles(
    files: IntervalFiles,
    starts: np.ndarray,
    metric: str = C.METRIC_RESPONSE,
    figures: Mapping[str, float] = PERCENTILE_FIGURES,
) -> dict[str, dict[str, list[float]]]:
    """Per scope: figure -> per-interval exact percentiles (ms) of ``metric`` in the window's intervals."""
    frame = files.histograms
    frame = frame[frame[C.HDR_METRIC].astype(str).to_numpy() == metric]
    frame = frame[np.isin(frame[C.HDR_INTERVAL].to_numpy(dtype=float), starts)]
    frame = frame.sort_values(C.HDR_INTERVAL, kind="stable")
    decoder, scale = Decoder(), scale_of(metric)
    found: dict[str, dict[str, list[float]]] = {}
    for _, part in frame.groupby(C.HDR_INTERVAL, sort=True):
        vectors: dict[str, Counts] = {TOTAL: empty_counts()}
        for scope, cell in zip(part[C.HDR_SCOPE].astype(str), part[C.HDR_HISTOGRAM]):
            if scope == TOTAL:
                continue  # total is every operation's merge
            vector = vectors.setdefault(scope, empty_counts())
            try:
                decoder.add_to(cell, [vector, vectors[TOTAL]])
            except (HistogramDecodeError, TypeError):
                continue  # the report counts it as a bad row
        for scope, vector in vectors.items():
            if total_count(vector) < MIN_PERCENTILE_REQUESTS:
                continue
            values = percentile_values(vector, figures.values())
            lines = found.setdefault(scope, {name: [] for name in figures})
            for name, percent in figures.items():
                lines[name].append(values[percent] / scale)
    return found


def _whole(files: IntervalFiles, window: Window) -> dict[str, dict[str, float]]:
    view = exact_view(files, window, with_series=False)
    scale = scale_of(C.METRIC_RESPONSE)
    whole: dict[str, dict[str, float]] = {}
    for scope in [*view.scopes, TOTAL]:
        counters = view.counts.get(scope, {})
        requests = counters.get(C.IC_REQUESTS, 0.0)
        figures: dict[str, float] = {}
        rps = view.per_s(requests)
        if rps is not None:
            figures[RPS] = rps
        if requests > 0:
            figures[ERROR_RATE] = counters.get(C.IC_FAILURES, 0.0) / requests
        histogram = view.histogram(scope, C.METRIC_RESPONSE)
        if histogram is not None:
            values = percentile_values(histogram, PERCENTILE_FIGURES.values())
            figures.update({name: values[p] / scale for name, p in PERCENTILE_FIGURES.items()})
        for metric, named in LLM_PERCENTILES.items():
            histogram = view.histogram(scope, metric)
            if histogram is not None and total_count(histogram) > 0:
                values = percentile_values(histogram, named.values())
                figures.update({name: values[p] / scale_of(metric) for name, p in named.items()})
        whole[scope] = figures
    return whole


def samples_of(files: IntervalFiles, window: Window) -> tuple[np.ndarray, dict[str, ScopeSamples]]:
    """The window's interval starts and every scope's samples and whole-window values."""
    starts, loaded, counters = _counter_samples(files, window)
    percentiles = _interval_percentiles(files, starts)
    for metric, named in LLM_PERCENTILES.items():
        for scope, lines in _interval_percentiles(files, starts, metric, named).items():
            percentiles.setdefault(scope, {}).update(lines)
    whole = _whole(files, window)
    scopes: dict[str, ScopeSamples] = {}
    for scope in sorted(set(counters) | set(percentiles) | set(whole)):
        samples = {name: np.asarray(values, dtype=float) for name, values in counters.get(scope, {}).items()}
        for name in PERCENTILE_FIGURES:
            samples[name] = np.asarray(percentiles.get(scope, {}).get(name, []), dtype=float)
        for name in LLM_FIGURES:
            if name in percentiles.get(scope, {}):
                samples[name] = np.asarray(percentiles[scope][name], dtype=float)
        for name in (RPS, ERROR_RATE):
            samples.setdefault(name, np.array([], dtype=float))
        times = {RPS: loaded} if scope in counters else {}
        scopes[scope] = ScopeSamples(scope=scope, samples=samples, whole=whole.get(scope, {}), times=times)
    return starts, scopes


def run_samples(run_dir: Path) -> RunSamples:
    """Load ``run_dir`` (as the report does) and take its samples; a ReportError without
    memload's per-interval files (a comparison needs them)."""
    data = load_run(Path(run_dir))
    warnings = list(data.warnings)
    window = steady_window(
        data.meta,
        data.history[C.HIST_TIMESTAMP].to_numpy(),
        warnings,
        users=data.history[C.HIST_USERS].to_numpy(),
    )
    if data.intervals is None:
        raise ReportError(
            f"{run_dir}: no usable {C.HDR_CSV} / {C.COUNTS_CSV}; runs cannot be compared without them"
        )
    starts, scopes = samples_of(data.intervals, window)
    if data.resources is not None:
        total = scopes.get(TOTAL)
        rps_times = total.times.get(RPS, np.array([])) if total else np.array([])
        rps = total.samples.get(RPS, np.array([])) if total else np.array([])
        whole_rps = total.whole.get(RPS) if total else None
        target = target_samples(data.resources, starts, window, rps_times, rps, whole_rps)
        if target is not None:
            scopes = {**scopes, TARGET: ScopeSamples(scope=TARGET, samples=target[0], whole=target[1])}
    return RunSamples(
        run_dir=Path(run_dir),
        meta=data.meta,
        window=window,
        intervals=starts,
        scopes=scopes,
        warnings=tuple(warnings),
    )
