"""Load a results directory into frames. Required: the directory, ``run.json`` and
``locust_stats_history.csv`` (a ReportError when absent or unusable); every other file is
optional and its absence is a warning (but memload's ``hdr_histograms.csv`` and
``interval_counts.csv``, which runs from before they existed lack: then no warning)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from memload import names as C
from memload.analysis.errors import ReportError
from memload.analysis.read.csvread import CsvResult, CsvSpec, read_csv
from memload.analysis.read.intervals import IntervalFiles, load_interval_files

HISTORY_SPEC = CsvSpec(
    file_name=C.HISTORY_CSV,
    numeric=(C.HIST_TIMESTAMP, C.HIST_USERS, C.HIST_REQUESTS, C.HIST_FAILURES, C.HIST_AVG_MS, C.HIST_MAX_MS),
    categorical=(C.TYPE, C.NAME),
    with_percentiles=True,
)
STATS_SPEC = CsvSpec(
    file_name=C.STATS_CSV,
    numeric=(C.STATS_REQUESTS, C.STATS_FAILURES, C.STATS_AVG_MS, C.STATS_MAX_MS, C.STATS_RPS),
    categorical=(C.TYPE, C.NAME),
    with_percentiles=True,
)
FAILURES_SPEC = CsvSpec(
    file_name=C.FAILURES_CSV, numeric=(C.FAIL_OCCURRENCES,), text=(C.FAIL_METHOD, C.FAIL_NAME, C.FAIL_ERROR)
)
EXAMPLES_SPEC = CsvSpec(file_name=C.FAILURE_EXAMPLES_CSV, text=(C.FX_NAME, C.FX_ERROR, C.FX_EXAMPLE))
EXCEPTIONS_SPEC = CsvSpec(
    file_name=C.EXCEPTIONS_CSV, numeric=(C.EXC_COUNT,), text=(C.EXC_MESSAGE, C.EXC_TRACEBACK, C.EXC_NODES)
)
RESOURCES_SPEC = CsvSpec(
    file_name=C.RESOURCES_CSV,
    numeric=(C.RES_TIMESTAMP, C.RES_PID, C.RES_CPU_PCT, C.RES_RSS_MB, C.RES_THREADS, C.RES_NUM_FDS),
    categorical=(C.RES_ROLE,),
)
HOST_SPEC = CsvSpec(
    file_name=C.HOST_CSV,
    numeric=(C.HOST_TIMESTAMP, C.HOST_CPU_PCT, C.HOST_LOAD1, C.HOST_MEM_PCT, C.HOST_CORES),
)
TARGET_METRICS_SPEC = CsvSpec(
    file_name=C.TARGET_METRICS_CSV,
    numeric=(C.TM_TIMESTAMP, C.TM_VALUE),
    categorical=(C.TM_METRIC,),
    text=(C.TM_LABELS,),  # a histogram bucket's le
    keep_rows=lambda chunk: chunk[C.TM_METRIC].isin(C.TARGET_METRICS_WANTED),
)


def target_metrics_spec(meta: dict[str, Any]) -> CsvSpec:
    """target_metrics.csv's rows memload reads: its own, and those the run's [monitor] names."""
    monitor = (meta.get(C.RUN_SCENARIO) or {}).get(C.SCENARIO_MONITOR) or {}
    wanted = set(C.TARGET_METRICS_WANTED)
    wanted.update(str(monitor[key]) for key in ("cache_hits", "cache_misses") if monitor.get(key))
    for name in monitor.get("series", ()):
        wanted.update({name, *(f"{name}{suffix}" for suffix in ("_total", "_bucket", "_count", "_sum"))})
    return replace(TARGET_METRICS_SPEC, keep_rows=lambda chunk: chunk[C.TM_METRIC].isin(wanted))


@dataclass(kw_only=True)
class RunData:
    run_dir: Path
    meta: dict[str, Any]
    history: pd.DataFrame
    history_percentiles: dict[str, float]  # column -> percent, e.g. {"99.9%": 99.9}
    stats: pd.DataFrame | None = None
    stats_percentiles: dict[str, float] = field(default_factory=dict)
    failures: pd.DataFrame | None = None
    failure_examples: pd.DataFrame | None = None  # the first full message of each normalised failure
    exceptions: pd.DataFrame | None = None
    resources: pd.DataFrame | None = None
    target_metrics: pd.DataFrame | None = None
    host: pd.DataFrame | None = None  # host.csv: the machine's CPU, load and memory (runs since issue 19)
    intervals: IntervalFiles | None = None  # memload's hdr_histograms.csv + interval_counts.csv
    warnings: list[str] = field(default_factory=list)


def load_meta(run_dir: Path) -> dict[str, Any]:
    """run.json as a dict; a ReportError when it is missing or not a JSON object."""
    check_run_dir(run_dir)
    path = run_dir / C.RUN_JSON
    if not path.is_file():
        raise ReportError(f"missing required file {C.RUN_JSON} in {run_dir}")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ReportError(f"{C.RUN_JSON} in {run_dir} is unreadable: {error}") from None
    if not isinstance(meta, dict):
        raise ReportError(f"{C.RUN_JSON} in {run_dir} is not a JSON object")
    return meta


def _frame(result: CsvResult | None) -> pd.DataFrame | None:
    return None if result is None else result.frame


def _samples(result: CsvResult | None, warning: str, warnings: list[str]) -> pd.DataFrame | None:
    """A monitor file's frame; None, with ``warning``, when it holds no sample analysis uses."""
    if result is not None and result.frame.empty:
        warnings.append(warning)
        return None
    return _frame(result)


def _examples(run_dir: Path, warnings: list[str]) -> pd.DataFrame | None:
    """``failure_examples.csv``, written only when a failure message was normalised."""
    if not (run_dir / C.FAILURE_EXAMPLES_CSV).is_file():
        return None
    return _frame(read_csv(run_dir, EXAMPLES_SPEC, warnings))


def check_run_dir(run_dir: Path) -> None:
    if not run_dir.is_dir():
        raise ReportError(f"run directory {run_dir} does not exist or is not a directory")


def load_run(run_dir: Path) -> RunData:
    """Read everything analysis uses from ``run_dir``."""
    check_run_dir(run_dir)
    meta = load_meta(run_dir)
    warnings: list[str] = []
    if not (run_dir / C.HISTORY_CSV).is_file():
        raise ReportError(f"missing required file {C.HISTORY_CSV} in {run_dir}")
    history = read_csv(run_dir, HISTORY_SPEC, warnings)
    if history is None or history.frame.empty:
        detail = "; ".join(w for w in warnings if w.startswith(C.HISTORY_CSV)) or "no rows"
        raise ReportError(f"required file {C.HISTORY_CSV} in {run_dir} is unusable: {detail}")
    stats = read_csv(run_dir, STATS_SPEC, warnings)
    ordered = history.frame.sort_values(C.HIST_TIMESTAMP, kind="stable", ignore_index=True)
    return RunData(
        run_dir=run_dir,
        meta=meta,
        history=ordered,
        history_percentiles=history.percentile_columns,
        stats=_frame(stats),
        stats_percentiles={} if stats is None else stats.percentile_columns,
        failures=_frame(read_csv(run_dir, FAILURES_SPEC, warnings)),
        failure_examples=_examples(run_dir, warnings),
        exceptions=_frame(read_csv(run_dir, EXCEPTIONS_SPEC, warnings)),
        resources=_samples(
            read_csv(run_dir, RESOURCES_SPEC, warnings),
            f"{C.RESOURCES_CSV}: no samples; process figures and plots are absent",
            warnings,
        ),
        target_metrics=_samples(
            read_csv(run_dir, target_metrics_spec(meta), warnings),
            f"{C.TARGET_METRICS_CSV}: no {C.METRIC_CACHE_HITS} / {C.METRIC_CACHE_MISSES} "
            "samples; no cache hit rate",
            warnings,
        ),
        intervals=load_interval_files(run_dir, warnings),
        host=_frame(read_csv(run_dir, HOST_SPEC, warnings)) if (run_dir / C.HOST_CSV).is_file() else None,
        warnings=warnings,
    )
