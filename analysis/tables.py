"""The tables of the reports as rows of strings, shared by report.md and report.html."""
from __future__ import annotations

import json
from dataclasses import dataclass

from memload.analysis import columns as C
from memload.analysis.analyse import Analysis
from memload.analysis.fmt import format_value

OPERATION_COLUMNS: dict[str, str] = {
    "requests": "requests", "failures": "failures", "error_rate": "error rate", "rps": "req/s",
    "avg_ms": "avg", "p50_ms": "p50", "p95_ms": "p95", "p99_ms": "p99", "p999_ms": "p99.9",
    "max_ms": "max",
}
MAX_TRACEBACK_CHARS = 4000


@dataclass(frozen=True, kw_only=True)
class Table:
    header: list[str]
    rows: list[list[str]]
    failed_rows: frozenset[int] = frozenset()  # row indexes to highlight


def thresholds_table(analysis: Analysis) -> Table:
    rows, failed = [], set()
    for index, result in enumerate(analysis.results):
        address = result.threshold.address
        rows.append([address, result.threshold.condition, format_value(address, result.measured),
                     "pass" if result.passed else "FAIL"])
        if not result.passed:
            failed.add(index)
    return Table(header=["figure", "condition", "measured", "result"], rows=rows, failed_rows=frozenset(failed))


def operations_table(analysis: Analysis) -> Table:
    requests = analysis.requests
    rows = []
    for scope in requests.scopes:
        types = "/".join(requests.types.get(scope, [])) or "-"
        rows.append([scope, types] + [format_value(f"{scope}.{metric}", analysis.figures.get(f"{scope}.{metric}"))
                                      for metric in OPERATION_COLUMNS])
    return Table(header=["operation", "type"] + list(OPERATION_COLUMNS.values()), rows=rows)


def process_table(analysis: Analysis) -> Table:
    rows = []
    for scope in ("target", "loadgen"):
        metrics = ("cpu_pct", "cpu_pct_max", "rss_mb", "num_fds", "threads", "cache_hit_rate")
        values = [format_value(f"{scope}.{m}", analysis.figures.get(f"{scope}.{m}")) for m in metrics]
        if any(v != "n/a" for v in values):
            rows.append([scope] + values)
    return Table(header=["scope", "CPU mean", "CPU peak", "RSS peak", "fds peak", "threads peak",
                         "cache hit rate"], rows=rows)


def failures_table(analysis: Analysis) -> Table:
    frame = analysis.data.failures
    rows = [] if frame is None else [
        [str(r[C.FAIL_METHOD]), str(r[C.FAIL_NAME]), str(r[C.FAIL_ERROR]), f"{r[C.FAIL_OCCURRENCES]:,.0f}"]
        for _, r in frame.iterrows()]
    return Table(header=["method", "operation", "error", "occurrences"], rows=rows)


def exceptions_table(analysis: Analysis) -> Table:
    frame = analysis.data.exceptions
    rows = [] if frame is None else [
        [f"{r[C.EXC_COUNT]:,.0f}", str(r[C.EXC_MESSAGE]), str(r[C.EXC_TRACEBACK])[:MAX_TRACEBACK_CHARS],
         str(r[C.EXC_NODES])] for _, r in frame.iterrows()]
    return Table(header=["count", "message", "traceback", "nodes"], rows=rows)


def metadata_table(analysis: Analysis) -> Table:
    meta, window = analysis.data.meta, analysis.window
    rows = [["run directory", analysis.data.run_dir.name]]
    for key in C.RUN_METADATA_KEYS:
        if key in meta:
            value = meta[key]
            rows.append([key, value if isinstance(value, str) else json.dumps(value, sort_keys=True)])
    rows.append(["steady window", f"{window.duration_s:.1f} s (run {window.run_duration_s:.1f} s, "
                                  f"warm-up {window.warmup_s:g} s excluded)"])
    methods = ", ".join(sorted(analysis.requests.percentile_methods)) or "n/a"
    rows.append(["percentiles from", methods])
    return Table(header=["key", "value"], rows=rows)
