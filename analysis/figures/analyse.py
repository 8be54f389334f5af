"""From a loaded run to everything the reports show: figures by address, threshold results,
verdict and warnings. No files are written here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from memload import names as C
from memload.analysis.capacity.concurrency import StepsCapacity, steps_capacity
from memload.analysis.checks.figures import CheckAnalysis, check_analysis
from memload.analysis.checks.read import read_check_files
from memload.analysis.diagnose.bottleneck import bottleneck_hint
from memload.analysis.diagnose.stalls import Stall, find_stalls
from memload.analysis.errors import ReportError
from memload.analysis.figures.exact import ExactView, exact_view
from memload.analysis.figures.integrity import RunIntegrity, mix_short, run_integrity
from memload.analysis.figures.llm import llm_figures, slo_of
from memload.analysis.figures.monitored import missing_reasons, monitored_figures
from memload.analysis.figures.process import process_figures
from memload.analysis.figures.requests import RequestFigures, sample_warnings
from memload.analysis.figures.source import RequestSource, source_of
from memload.analysis.read.rundir import RunData, load_meta, load_run
from memload.analysis.read.window import Window, steady_window
from memload.analysis.soak.analyse import SoakAnalysis, soak_analysis, soak_edges
from memload.scenario.thresholds import (
    Threshold,
    ThresholdError,
    ThresholdResult,
    evaluate,
    exit_code,
    parse_thresholds,
)

VERDICT_PASS = "PASS"
VERDICT_FAIL = "FAIL"
VERDICT_NONE = "NO THRESHOLDS"
VERDICT_INCOMPLETE = "INCOMPLETE"
EXIT_INCOMPLETE = 2  # as a harness error: the run did not do what it was asked to


@dataclass(kw_only=True)
class Analysis:
    data: RunData
    window: Window
    requests: RequestFigures
    figures: dict[str, float]  # every figure by address
    thresholds: list[Threshold]
    results: list[ThresholdResult]
    source: RequestSource  # memload's files or, without them, Locust's CSVs only
    integrity: RunIntegrity = field(default_factory=RunIntegrity)
    capacity: StepsCapacity | None = None  # a concurrency-steps run's capacity analysis
    soak: SoakAnalysis | None = None  # a run of 10 minutes or more at a steady load
    checks: CheckAnalysis | None = None  # a run with [checks]: correctness under load
    warnings: list[str] = field(default_factory=list)
    stalls: list[Stall] = field(default_factory=list)  # throughput near zero while users were active
    saturated: list[str] = field(default_factory=list)  # what was saturated in the window (bottleneck hint)

    @property
    def bottleneck(self) -> list[str]:
        """The bottleneck hint, for a run whose thresholds failed (else nothing)."""
        if all(r.passed for r in self.results):
            return []
        stalled = [f"throughput stalled {len(self.stalls)} time(s) while users were active (see Stalls)"]
        return self.saturated + (stalled if self.stalls else [])

    @property
    def view(self) -> ExactView | None:
        """memload's histograms and counters over the window; None for a Locust-only run."""
        return self.source.view

    @property
    def exit_code(self) -> int:
        if self.integrity.incomplete:
            return EXIT_INCOMPLETE
        return max(exit_code(self.results), 1 if self.integrity.fails else 0)

    @property
    def verdict(self) -> str:
        if self.integrity.incomplete:
            return VERDICT_INCOMPLETE
        if not self.results and not self.integrity.fails:
            return VERDICT_NONE
        return VERDICT_PASS if self.exit_code == 0 else VERDICT_FAIL


def thresholds_of(meta: Mapping[str, Any]) -> list[Threshold]:
    """The run's thresholds from run.json; a ReportError naming the key when one does not parse."""
    table = meta.get(C.RUN_THRESHOLDS) or {}
    if not isinstance(table, Mapping):
        raise ReportError(f"{C.RUN_JSON}: '{C.RUN_THRESHOLDS}' must be a table of address = condition")
    try:
        return parse_thresholds(table)
    except ThresholdError as error:
        raise ReportError(str(error)) from None


def compute_figures(
    data: RunData, window: Window, source: RequestSource
) -> tuple[RequestFigures, dict[str, float], list[str]]:
    """Request, process, cache and LLM figures of the steady window, and their warnings."""
    warnings: list[str] = []
    requests = source.request_figures(data, window, warnings)
    figures = dict(requests.values)
    warnings.extend(sample_warnings(requests))
    if data.resources is not None:
        process, process_warnings = process_figures(data.resources, window)
        figures.update(process)
        warnings.extend(process_warnings)
    if data.target_metrics is not None:
        sampled = "target.rss_mb" in figures  # psutil saw the target: its samples are the figures
        figures.update(monitored_figures(data.target_metrics, window, data.meta, sampled=sampled))
    figures.update(llm_figures(source.view, slo_of(data.meta)))
    return requests, figures, warnings


def analyse(run_dir: Path) -> Analysis:
    """Load ``run_dir`` and compute everything; ReportError on a harness error."""
    thresholds = thresholds_of(load_meta(run_dir))  # a syntax error fails before the heavy reading
    data = load_run(run_dir)
    integrity = run_integrity(data.meta)
    warnings = list(data.warnings)
    window = steady_window(
        data.meta,
        data.history[C.HIST_TIMESTAMP].to_numpy(),
        warnings,
        users=data.history[C.HIST_USERS].to_numpy(),
    )
    edges = soak_edges(data.meta, window)
    view = exact_view(data.intervals, window, split_edges=edges) if data.intervals is not None else None
    source = source_of(view)
    requests, figures, figure_warnings = compute_figures(data, window, source)
    integrity = replace(integrity, mix_short=mix_short(data.meta, requests.values))
    warnings.extend(figure_warnings)
    capacity = steps_capacity(data, window) if source.view is not None else None
    if capacity is not None:
        figures.update(capacity.figures)
    soak = soak_analysis(data, window, thresholds, view.merged.split_response if view is not None else None)
    if soak is not None:
        figures.update(soak.figures)
    checks = check_analysis(read_check_files(run_dir), data.meta, window.load_end_s)
    if checks is not None:
        figures.update(checks.figures)
        integrity = replace(integrity, checks_failed=checks.failures)
        warnings.extend(checks.notes)
    results = evaluate(thresholds, figures)
    missing = [r.threshold.address for r in results if r.measured is None]
    if missing:
        warnings.append(
            f"no value for threshold figure(s) {', '.join(sorted(set(missing)))}: they fail as n/a"
        )
        warnings.extend(missing_reasons(missing, data.meta, started=C.ROLE_TARGET in _roles(data)))
    stalls = find_stalls(data, window)
    warnings.extend(s.describe(window.run_start_unix) for s in stalls)
    return Analysis(
        stalls=stalls,
        saturated=bottleneck_hint(data, window, figures),
        data=data,
        window=window,
        requests=requests,
        figures=figures,
        thresholds=thresholds,
        results=results,
        source=source,
        integrity=integrity,
        capacity=capacity,
        soak=soak,
        checks=checks,
        warnings=warnings,
    )


def _roles(data: RunData) -> set[str]:
    """The roles psutil sampled (``target`` when it saw the target's processes)."""
    return set() if data.resources is None else set(data.resources[C.RES_ROLE].astype(str).unique())
