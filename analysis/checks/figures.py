"""The ``checks.*`` figures of a run, per 10 s interval and over the whole run (a check counts
wherever it happened, the warm-up too), and the lines the report opens with when a check fails.

- ``checks.search.hit_at_1``, ``hit_at_k``, ``mrr``, ``checked``: self-retrieval searches;
- ``checks.rw_lag_p50_ms`` … ``rw_lag_max_ms``, ``rw_get_lag_p95_ms``, ``rw_sampled``,
  ``rw_never_visible``, ``rw_never_visible_share``: read-your-writes, over the creates whose limit
  ended before the load did (a later one could not be seen to the end);
- ``checks.isolation_checked``, ``isolation_violations``, ``isolation_violation_rate`` and the same
  per operation (``checks.search.isolation_violations``);
- ``checks.audited``, ``lost_writes``, ``lost_write_rate``, ``resurrected_deletes``,
  ``audit_errors``, ``audit_s``: the audit after the load;
- ``checks.failed``: 1 when a check fails the run (an isolation violation, unless
  ``isolation_fails_run = false``; a lost write or a resurrected delete), else 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hdrh.histogram import HdrHistogram

from memload import names as C
from memload.analysis.checks.read import CheckFiles
from memload.checks import spec as S
from memload.checks.spec import ISOLATED_OPERATIONS
from memload.loadgen.histograms import INTERVAL_S, new_histogram


@dataclass(kw_only=True)
class CheckAnalysis:
    figures: dict[str, float]
    series: dict[str, list[tuple[int, float]]] = field(default_factory=dict)  # per interval
    failures: list[str] = field(default_factory=list)  # what the report says first
    notes: list[str] = field(default_factory=list)  # the report's warnings (a check that did not run or fail)
    files: CheckFiles | None = None


def _search(files: CheckFiles, intervals: list[int] | None = None) -> dict[str, float]:
    checked = files.total(S.CK_SEARCH_CHECKED, intervals)
    if not checked:
        return {}
    return {
        "checked": float(checked),
        "hit_at_1": files.total(S.CK_SEARCH_HIT_1, intervals) / checked,
        "hit_at_k": files.total(S.CK_SEARCH_HIT_K, intervals) / checked,
        "mrr": files.total(S.CK_SEARCH_RR, intervals) / 1e6 / checked,
    }


def _merged(files: CheckFiles, metric: str, intervals: list[int]) -> HdrHistogram | None:
    found = [files.histograms[i][metric] for i in intervals if metric in files.histograms.get(i, {})]
    if not found:
        return None
    total = new_histogram()
    for histogram in found:
        total.add(histogram)
    return total if total.get_total_count() else None


def _ms(histogram: HdrHistogram, percentile: float) -> float:
    return float(histogram.get_value_at_percentile(percentile)) / 1000.0


def _rw(files: CheckFiles, scenario: Mapping[str, Any], load_end_unix: float) -> dict[str, float]:
    limit_s = float(scenario.get("rw_limit_s", 10.0))
    seen = [i for i in files.counts if i + INTERVAL_S + limit_s <= load_end_unix + 1.0]
    figures: dict[str, float] = {"rw_sampled": float(files.total(S.CK_RW_SAMPLED))}
    visible, never = files.total(S.CK_RW_VISIBLE, seen), files.total(S.CK_RW_NEVER, seen)
    if visible + never:
        figures["rw_never_visible"] = float(never)
        figures["rw_never_visible_share"] = never / (visible + never)
    lag = _merged(files, S.CK_RW_LAG, sorted(files.histograms))
    if lag is not None:
        for name, percentile in (("p50", 50.0), ("p95", 95.0), ("p99", 99.0), ("max", 100.0)):
            figures[f"rw_lag_{name}_ms"] = _ms(lag, percentile)
    get_lag = _merged(files, S.CK_RW_GET_LAG, sorted(files.histograms))
    if get_lag is not None:
        figures["rw_get_lag_p95_ms"] = _ms(get_lag, 95.0)
    return figures


def _isolation(files: CheckFiles) -> dict[str, float]:
    figures: dict[str, float] = {}
    checked_all = violations_all = 0
    for operation in ISOLATED_OPERATIONS:
        checked = files.total(S.per_operation(S.CK_ISOLATION_CHECKED, operation))
        violations = files.total(S.per_operation(S.CK_ISOLATION_VIOLATIONS, operation))
        if checked:
            figures[f"checks.{operation}.isolation_checked"] = float(checked)
            figures[f"checks.{operation}.isolation_violations"] = float(violations)
        checked_all, violations_all = checked_all + checked, violations_all + violations
    if checked_all:
        figures["checks.isolation_checked"] = float(checked_all)
        figures["checks.isolation_violations"] = float(violations_all)
        figures["checks.isolation_violation_rate"] = violations_all / checked_all
    return figures


def _audit(audit: Mapping[str, Any]) -> dict[str, float]:
    # every id read back is one acknowledged create, deleted since or not: the lost share is of them
    # all. Not of the ones not deleted: a create whose delete was acknowledged had been stored, while
    # a lost one's delete fails and leaves it expected, so that base over-counts losses (0.12 for 0.1)
    audited = float(audit.get("audited", 0))
    return {
        "audited": audited,
        "lost_writes": float(audit.get("lost_writes", 0)),
        **({"lost_write_rate": float(audit.get("lost_writes", 0)) / audited} if audited else {}),
        "resurrected_deletes": float(audit.get("resurrected_deletes", 0)),
        "audit_errors": float(audit.get("errors", 0)),
        "audit_s": float(audit.get("duration_s", 0.0)),
    }


def check_analysis(
    files: CheckFiles | None, meta: Mapping[str, Any], load_end_unix: float
) -> CheckAnalysis | None:
    if files is None:
        return None
    scenario = (meta.get(C.RUN_SCENARIO) or {}).get("checks") or {}
    figures = {f"checks.search.{k}": v for k, v in _search(files).items()}
    figures.update({f"checks.{k}": v for k, v in _rw(files, scenario, load_end_unix).items()})
    figures.update(_isolation(files))
    notes = []
    if files.audit is not None and C.AUDIT_NOT_RUN in files.audit:
        notes.append(f"checks: the acknowledged-write audit did not run: {files.audit[C.AUDIT_NOT_RUN]}")
    elif files.audit is not None:
        figures.update({f"checks.{k}": v for k, v in _audit(files.audit).items()})
        notes.extend(_audit_notes(files.audit))
    failures = _failures(figures, scenario, files)
    if not scenario.get("audit_fails_run", True):
        audit_lines = [line for line in failures if line.startswith(AUDIT_FAILURES)]
        failures = [line for line in failures if not line.startswith(AUDIT_FAILURES)]
        notes.extend(f"checks (audit_fails_run = false): {line}" for line in audit_lines)
    figures["checks.failed"] = 1.0 if failures else 0.0
    series: dict[str, list[tuple[int, float]]] = {"hit_at_k": [], "rw_lag_p95_ms": []}
    for interval in files.counts:
        hit = _search(files, [interval]).get("hit_at_k")
        if hit is not None:
            series["hit_at_k"].append((interval, hit))
    for interval in sorted(files.histograms):
        lag = files.histograms[interval].get(S.CK_RW_LAG)
        if lag is not None and lag.get_total_count():
            series["rw_lag_p95_ms"].append((interval, _ms(lag, 95.0)))
    return CheckAnalysis(figures=figures, series=series, failures=failures, notes=notes, files=files)


def _audit_notes(audit: Mapping[str, Any]) -> list[str]:
    notes = []
    if audit.get("stopped"):
        notes.append(
            f"checks: the audit was stopped by hand after {audit.get('audited', 0):,} of "
            f"{audit.get('chosen', 0):,} reads"
        )
    used, asked = audit.get("sample_used"), audit.get("sample")
    if used is not None and asked is not None and used < asked:
        notes.append(
            f"checks: the audit read back a share of {used:.3g} of {audit.get('creates_logged', 0):,} "
            f"acknowledged creates (audit_max = {audit.get('max')}; audit_sample = {asked:g})"
        )
    return notes


AUDIT_FAILURES = ("lost writes:", "resurrected deletes:")  # the failure lines of the audit


def _failures(figures: Mapping[str, float], scenario: Mapping[str, Any], files: CheckFiles) -> list[str]:
    lines = []
    violations = figures.get("checks.isolation_violations", 0.0)
    if violations and scenario.get("isolation_fails_run", True):
        first = files.violations[0] if files.violations else {}
        lines.append(
            f"tenant isolation: {violations:,.0f} of {figures['checks.isolation_checked']:,.0f} answers "
            f"({figures['checks.isolation_violation_rate']:.2%}) held another user's memory; first: "
            f"{first.get('operation')} for {first.get('user_id')} returned {first.get('foreign')} "
            f"({C.CHECKS_VIOLATIONS_JSONL})"
        )
    audit = files.audit or {}
    if figures.get("checks.lost_writes"):
        examples = ", ".join(audit.get("lost_ids", [])[:3])
        lines.append(
            f"lost writes: {figures['checks.lost_writes']:,.0f} acknowledged creates were not there after "
            f"the load (of {audit.get('audited', 0):,} writes read back), e.g. {examples} "
            f"({C.CHECKS_AUDIT_JSON})"
        )
    if figures.get("checks.resurrected_deletes"):
        examples = ", ".join(audit.get("resurrected_ids", [])[:3])
        lines.append(
            f"resurrected deletes: {figures['checks.resurrected_deletes']:,.0f} acknowledged deletes were "
            f"readable after the load, e.g. {examples} ({C.CHECKS_AUDIT_JSON})"
        )
    return lines
