"""From a loaded run to everything the reports show: figures by address, threshold results,
verdict and warnings. No files are written here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from memload import names as C
from memload.analysis.errors import ReportError
from memload.analysis.figures.exact import ExactView, exact_request_figures, exact_view
from memload.analysis.figures.llm import llm_figures
from memload.analysis.figures.process import cache_hit_rate, process_figures
from memload.analysis.figures.requests import (
    RequestFigures,
    percentile_warning,
    request_figures,
    sample_warnings,
)
from memload.analysis.read.rundir import RunData, load_meta, load_run
from memload.analysis.read.window import Window, steady_window
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


@dataclass(kw_only=True)
class Analysis:
    data: RunData
    window: Window
    requests: RequestFigures
    figures: dict[str, float]  # every figure by address
    thresholds: list[Threshold]
    results: list[ThresholdResult]
    warnings: list[str] = field(default_factory=list)
    view: ExactView | None = None  # memload's histograms and counters over the window, when present

    @property
    def exit_code(self) -> int:
        return exit_code(self.results)

    @property
    def verdict(self) -> str:
        if not self.results:
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


def _status_warning(meta: Mapping[str, Any]) -> list[str]:
    status = meta.get(C.RUN_EXIT_STATUS)
    if status is not None and status != "completed":
        return [f"run {C.RUN_EXIT_STATUS} is {status!r}: the figures cover what was recorded"]
    return []


def locust_types(history) -> dict[str, list[str]]:
    """Locust's request Types (methods) of each operation, ``total`` for Aggregated."""
    types: dict[str, list[str]] = {}
    for name, rows in history.groupby(C.NAME, observed=True):
        scope = "total" if str(name) == C.AGGREGATED else str(name)
        types[scope] = sorted({str(t) for t in rows[C.TYPE].dropna().unique() if str(t)})
    return types


def _request_figures(
    data: RunData, window: Window, view: ExactView | None, warnings: list[str]
) -> RequestFigures:
    if view is not None:
        if view.merged.bad_rows:
            warnings.append(
                f"{C.HDR_CSV}: {view.merged.bad_rows} row(s) with an unreadable histogram ignored"
            )
        if view.merged.unknown_metrics:
            warnings.append(
                f"{C.HDR_CSV}: unknown metric(s) {', '.join(sorted(view.merged.unknown_metrics))} ignored"
            )
        if not view.intervals.size and not window.is_empty:
            warnings.append(
                f"no 10 s interval of {C.COUNTS_CSV} has its midpoint in the steady window; "
                "request figures are absent"
            )
        return exact_request_figures(view, locust_types(data.history))
    requests = request_figures(
        history=data.history,
        stats=data.stats,
        window=window,
        history_columns=data.history_percentiles,
        stats_columns=data.stats_percentiles,
    )
    if requests.window_rows_s is None and not window.is_empty:
        warnings.append(f"{C.HISTORY_CSV} has no rows inside the steady window; request figures are absent")
    approximate = percentile_warning(requests)
    warnings.extend([approximate] if approximate else [])
    return requests


def compute_figures(
    data: RunData, window: Window, view: ExactView | None = None
) -> tuple[RequestFigures, dict[str, float], list[str]]:
    """Request, process, cache and LLM figures of the steady window, and their warnings."""
    warnings: list[str] = []
    requests = _request_figures(data, window, view, warnings)
    figures = dict(requests.values)
    warnings.extend(sample_warnings(requests))
    if data.resources is not None:
        process, process_warnings = process_figures(data.resources, window)
        figures.update(process)
        warnings.extend(process_warnings)
    if data.target_metrics is not None:
        rate = cache_hit_rate(data.target_metrics, window)
        if rate is not None:
            figures["target.cache_hit_rate"] = rate
    figures.update(llm_figures(view))
    return requests, figures, warnings


def analyse(run_dir: Path) -> Analysis:
    """Load ``run_dir`` and compute everything; ReportError on a harness error."""
    thresholds = thresholds_of(load_meta(run_dir))  # a syntax error fails before the heavy reading
    data = load_run(run_dir)
    warnings = list(data.warnings) + _status_warning(data.meta)
    window = steady_window(
        data.meta,
        data.history[C.HIST_TIMESTAMP].to_numpy(),
        warnings,
        users=data.history[C.HIST_USERS].to_numpy(),
    )
    view = exact_view(data.intervals, window) if data.intervals is not None else None
    requests, figures, figure_warnings = compute_figures(data, window, view)
    warnings.extend(figure_warnings)
    results = evaluate(thresholds, figures)
    missing = [r.threshold.address for r in results if r.measured is None]
    if missing:
        warnings.append(
            f"no value for threshold figure(s) {', '.join(sorted(set(missing)))}: they fail as n/a"
        )
    return Analysis(
        data=data,
        window=window,
        requests=requests,
        figures=figures,
        thresholds=thresholds,
        results=results,
        warnings=warnings,
        view=view,
    )
