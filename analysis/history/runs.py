"""Every run in a results folder, oldest first, with its key figures and its verdict against the
baseline it had then (issue 15's ``memload history``).

- runs: the folders directly under the results folder that hold a run.json, and the saved
  baselines (results/baselines/NAME); a baseline that is a copy of a listed run (same start time
  and scenario) marks that run instead of adding a row.
- key figures: ``total`` throughput, p50, p95, p99 and error rate over each run's steady window,
  the same exact values as the report and `memload compare`.
- verdict: the report's (report/summary.json, when the run has one), and the comparison with the
  newest baseline of the same scenario that ran before it (``compare``'s statistics and the
  scenario's ``[compare]`` limits): improved, regressed (FAIL when beyond its limit), ``~``, or
  why there is none.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from memload import names as C
from memload.analysis.compare.limits import limit_set
from memload.analysis.compare.samples import RunSamples, run_samples
from memload.analysis.compare.table import compare_samples
from memload.analysis.errors import ReportError
from memload.analysis.history.baselines import baselines_dir
from memload.analysis.read.intervals import TOTAL
from memload.analysis.read.rundir import load_meta

KEY_FIGURES = ("rps", "p50_ms", "p95_ms", "p99_ms", "error_rate")
SKIPPED = (C.BASELINES_DIR, C.HISTORY_DIR)


@dataclass(kw_only=True)
class HistoryRun:
    path: Path
    meta: dict[str, Any]
    baselines: list[str] = field(default_factory=list)  # names it is saved as
    figures: dict[str, float] = field(default_factory=dict)  # KEY_FIGURES of total
    report_verdict: str = ""
    verdict: str = ""  # against the baseline it had
    compared_with: str = ""
    samples: RunSamples | None = None

    @property
    def scenario(self) -> str:
        return str(self.meta.get(C.RUN_SCENARIO_NAME) or "")

    @property
    def start_unix(self) -> float:
        value = self.meta.get(C.RUN_START_UNIX)
        return float(value) if isinstance(value, (int, float)) else 0.0

    @property
    def key(self) -> tuple[str, float]:
        return self.scenario, self.start_unix


def _read(path: Path) -> HistoryRun | None:
    try:
        return HistoryRun(path=path, meta=load_meta(path))
    except ReportError:
        return None


def find_runs(results: Path, scenario: str | None = None) -> list[HistoryRun]:
    """The runs (and baselines) of ``results``, of ``scenario`` when given, oldest first."""
    results = Path(results)
    runs: dict[tuple[str, float], HistoryRun] = {}
    folders = (
        sorted(p for p in results.iterdir() if p.is_dir() and p.name not in SKIPPED)
        if results.is_dir()
        else []
    )
    for path in folders:
        run = _read(path) if (path / C.RUN_JSON).is_file() else None
        if run is not None:
            runs.setdefault(run.key, run)
    saved = baselines_dir(results)
    for path in sorted(saved.iterdir()) if saved.is_dir() else []:
        if path.name.startswith(".") or not (path / C.RUN_JSON).is_file():
            continue
        run = _read(path)
        if run is not None:
            runs.setdefault(run.key, run).baselines.append(path.name)
    chosen = [r for r in runs.values() if scenario is None or r.scenario == scenario]
    return sorted(chosen, key=lambda r: (r.start_unix, r.path.name))


def _report_verdict(path: Path) -> str:
    try:
        summary = json.loads((path / C.REPORT_DIR / C.SUMMARY_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    return str(summary.get("verdict", "")) if isinstance(summary, dict) else ""


def _judge(run: HistoryRun, baseline: HistoryRun) -> str:
    if run.samples is None or baseline.samples is None:
        return "no interval files"
    scenario = run.meta.get(C.RUN_SCENARIO) or {}
    limits = limit_set(scenario.get("compare") if isinstance(scenario, dict) else None)
    table = compare_samples(baseline.samples, run.samples, limits)
    if not table.comparable:
        return "settings differ: " + ", ".join(d.setting for d in table.differences)
    failing = any(row.change.fails for row in table.rows)
    return f"{table.verdict} (FAIL)" if failing else table.verdict


def analyse_history(runs: list[HistoryRun], warnings: list[str]) -> list[HistoryRun]:
    """Fill in every run's figures and verdicts (in place; returns ``runs``)."""
    latest_baseline: dict[str, HistoryRun] = {}
    for run in runs:
        try:
            run.samples = run_samples(run.path)
            run.figures = {k: v for k, v in run.samples.scopes[TOTAL].whole.items() if k in KEY_FIGURES}
        except (ReportError, KeyError) as error:
            warnings.append(f"{run.path}: no figures ({error})")
        run.report_verdict = _report_verdict(run.path)
        baseline = latest_baseline.get(run.scenario)
        if run.baselines:
            run.verdict = "baseline"
            latest_baseline[run.scenario] = run
        elif baseline is not None:
            run.compared_with = baseline.baselines[-1]
            run.verdict = _judge(run, baseline)
        if not run.baselines:
            run.samples = None  # the samples are large; the figures and verdicts stay
    for run in runs:
        run.samples = None
    return runs
