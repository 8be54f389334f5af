"""``write_report(run_dir)``: turn a results directory into ``run_dir/report/`` (plots, report.html,
report.md, summary.json, junit.xml) and a verdict. ``memload report`` and, at the end of
``memload run``, the runner call it. Never imports locust or gevent."""

from __future__ import annotations

import ctypes
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from memload import names as C
from memload.analysis.capacity.search_report import write_capacity_search_report
from memload.analysis.compare.command import baseline_gate
from memload.analysis.errors import ReportError
from memload.analysis.figures.analyse import Analysis, analyse
from memload.analysis.figures.runtable import whole_run_figures
from memload.analysis.plots.plotset import write_plots
from memload.analysis.writers.html import write_html
from memload.analysis.writers.junit import write_junit
from memload.analysis.writers.markdown import write_markdown
from memload.analysis.writers.summary import write_summary
from memload.scenario.thresholds import ThresholdResult

# the entry point of the run side (memload run): the report, the whole-run table it prints, and
# the comparison with a named baseline (--baseline)
__all__ = [
    "ReportError",
    "baseline_gate",
    "ReportOutcome",
    "whole_run_figures",
    "write_capacity_search_report",
    "write_report",
]


@dataclass(frozen=True, kw_only=True)
class ReportOutcome:
    exit_code: int  # 0: every threshold passes (or there are none); 1: one fails or a worker was lost;
    # 2: the run is incomplete (interrupted, failed, or killed)
    verdict: str  # "PASS", "FAIL", "NO THRESHOLDS" or "INCOMPLETE"
    report_dir: Path
    notices: list[str] = field(default_factory=list)  # what the report says first (run integrity)
    warnings: list[str] = field(default_factory=list)
    results: list[ThresholdResult] = field(default_factory=list)
    figures: dict[str, float] = field(default_factory=dict)  # every figure by address
    bottleneck: list[str] = field(default_factory=list)  # what was saturated, when a threshold failed
    window: str = ""  # what the figures cover: "steady window 17 s: from +4 s (first user …) to …"

    @property
    def failed(self) -> list[ThresholdResult]:
        return [r for r in self.results if not r.passed]


def _write_all(analysis: Analysis, report_dir: Path) -> None:
    plots = write_plots(analysis, report_dir / C.PLOTS_DIR)
    write_summary(analysis, report_dir / C.SUMMARY_JSON)
    write_junit(analysis, report_dir / C.JUNIT_XML)
    write_markdown(analysis, report_dir / C.REPORT_MD)
    write_html(analysis, plots, report_dir / C.REPORT_HTML)


RENAME_EXCHANGE = 2  # linux/fs.h
AT_FDCWD = -100


def _exchange(first: Path, second: Path) -> bool:
    """Swap two directories in one step (Linux renameat2 with RENAME_EXCHANGE); False where the
    system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        result = libc.renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE)
    except (OSError, AttributeError):
        return False
    return bool(result == 0)


def _write_atomically(analysis: Analysis, report_dir: Path) -> None:
    """Write the whole report in a folder of its own, then put it in place of the old one: a reader
    (a browser on report.html during a soak, a CI step) sees the old report or the new one, never a
    file half written. Interim reports of a long run are written this way while it goes on."""
    fresh = Path(tempfile.mkdtemp(prefix=f".{C.REPORT_DIR}-", dir=report_dir.parent))
    try:
        _write_all(analysis, fresh)
        fresh.chmod(0o755)
        if not report_dir.exists():
            fresh.rename(report_dir)
        elif not _exchange(fresh, report_dir):  # the old report is now at ``fresh``, removed below
            retired = report_dir.with_name(f".{C.REPORT_DIR}-old-{os.getpid()}")
            report_dir.rename(retired)  # not atomic: for a moment there is no report/
            fresh.rename(report_dir)
            shutil.rmtree(retired, ignore_errors=True)
    finally:
        shutil.rmtree(fresh, ignore_errors=True)


def write_report(run_dir: Path) -> ReportOutcome:
    """Analyse ``run_dir`` and write ``run_dir/report/``.

    Returns the outcome (exit code 0 or 1, verdict, warnings); raises ReportError, with a one-line
    message, for a harness error: no such directory, run.json or locust_stats_history.csv missing
    or unusable, a threshold that does not parse (the message names its key)."""
    run_dir = Path(run_dir)
    analysis = analyse(run_dir)
    report_dir = run_dir / C.REPORT_DIR
    try:
        _write_atomically(analysis, report_dir)
    except OSError as error:
        raise ReportError(f"cannot write {report_dir}: {error.strerror or error}") from None
    return ReportOutcome(
        exit_code=analysis.exit_code,
        verdict=analysis.verdict,
        notices=analysis.integrity.notices,
        report_dir=report_dir,
        warnings=list(analysis.warnings),
        results=list(analysis.results),
        figures=dict(analysis.figures),
        window=analysis.window.describe(),
        bottleneck=analysis.bottleneck,
    )
