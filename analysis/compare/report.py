"""A baseline run against one or more candidate runs: the comparison tables, the exit code, and
every output (compare.html, compare.md, compare.json, junit.xml, plots/*.png) in one folder.

Exit code: 1 when a candidate has a real regression beyond its limit, 0 otherwise; runs whose
settings differ are refused (a ComparisonRefused, exit 2) unless ``force``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from memload import names as C
from memload.analysis.compare.limits import LimitSet, run_noise_table
from memload.analysis.compare.noise.model import CONFIDENCE
from memload.analysis.compare.samples import RunSamples, run_samples
from memload.analysis.compare.stats import IMPROVED, REGRESSED, UNCHANGED
from memload.analysis.compare.table import ComparisonTable, Difference, compare_samples
from memload.analysis.errors import ReportError


class ComparisonRefused(ReportError):
    """Runs whose settings differ, compared without ``force``."""


@dataclass(frozen=True, kw_only=True)
class Candidate:
    samples: RunSamples  # its first run (with several runs a side)
    table: ComparisonTable
    more: tuple[RunSamples, ...] = ()  # its other runs


@dataclass(frozen=True, kw_only=True)
class Comparison:
    baseline: RunSamples  # its first run (with several runs a side)
    candidates: tuple[Candidate, ...]
    limits: LimitSet
    forced: bool
    more_baselines: tuple[RunSamples, ...] = ()

    @property
    def runs_per_side(self) -> int:
        return 1 + len(self.more_baselines)

    @property
    def exit_code(self) -> int:
        return 1 if any(row.change.fails for c in self.candidates for row in c.table.rows) else 0

    @property
    def verdict(self) -> str:
        verdicts = [c.table.verdict for c in self.candidates]
        if REGRESSED in verdicts:
            return REGRESSED
        return IMPROVED if IMPROVED in verdicts else UNCHANGED

    def method(self) -> dict[str, Any]:
        limits = self.limits.overall
        if self.runs_per_side > 1:
            return {
                "samples": f"{self.runs_per_side} runs a side, each run one sample: its whole-window "
                "figures (the target's CPU per request and peak RSS)",
                "test": "Welch's two-sided t test of the runs' values (log scale; the error rate "
                "linear): the run-to-run noise measured by the runs' own spread",
                "alpha": limits.alpha,
                "confidence": CONFIDENCE,
                "interval": f"{CONFIDENCE:.0%} Welch t interval of the change of the geometric means",
                "runs_per_side": self.runs_per_side,
                "verdict": "improved or regressed only when the test is significant; ~ otherwise",
                "limits": self.limits.describe(),
            }
        return {
            "samples": f"one value per {C.INTERVAL_S} s interval of each run's steady window (warm-up "
            "excluded): requests/s, exact percentiles of the interval's merged HDR histogram, error "
            "rate; the target's CPU per request (mean CPU / requests per s) and RSS (peak) per interval",
            "test": "two-sided t test of the change of the whole-window values (log scale; the error "
            "rate linear) whose standard error holds each run's within-run error (per-interval "
            "samples, batch means while consecutive intervals are correlated) and the run-to-run "
            "noise (run_noise_pct per figure: one run effect per side)",
            "alpha": limits.alpha,
            "confidence": CONFIDENCE,
            "interval": f"{CONFIDENCE:.0%} t interval of the change from the same standard error",
            "run_noise_pct": run_noise_table(self.limits),
            "runs_per_side": self.runs_per_side,
            "verdict": "improved or regressed only when the test is significant; ~ otherwise (also "
            f"with fewer than {limits.min_samples} samples per run)",
            "limits": self.limits.describe(),
        }


def label_of(run: RunSamples) -> str:
    return run.run_dir.name or str(run.run_dir)


def differences_text(differences: Sequence[Difference]) -> str:
    return "; ".join(f"{d.setting}: {d.baseline!r} -> {d.candidate!r}" for d in differences)


def build_comparison(
    baseline_dir: Path | Sequence[Path],
    candidate_dirs: Sequence[Path],
    limits: LimitSet,
    *,
    force: bool,
    runs_per_side: int = 1,
) -> Comparison:
    """Load the runs and compare each candidate with the baseline; with ``runs_per_side`` N > 1,
    ``baseline_dir`` is the baseline's N runs and ``candidate_dirs`` N runs per candidate, in
    order. A ComparisonRefused when settings differ and not ``force``, a ReportError when a run
    cannot be read or the runs do not make whole sides."""
    bases = [Path(baseline_dir)] if isinstance(baseline_dir, (str, Path)) else [Path(p) for p in baseline_dir]
    if len(bases) != runs_per_side or len(candidate_dirs) % runs_per_side or not candidate_dirs:
        raise ReportError(
            f"{runs_per_side} runs a side: the baseline's {runs_per_side} runs, then {runs_per_side} per "
            f"candidate; got {len(bases)} and {len(candidate_dirs)}"
        )
    baseline, *more_baselines = [run_samples(path) for path in bases]
    candidates = []
    for start in range(0, len(candidate_dirs), runs_per_side):
        paths = candidate_dirs[start : start + runs_per_side]
        samples, *more = [run_samples(Path(path)) for path in paths]
        table = compare_samples(
            baseline, samples, limits, more_baselines=more_baselines, more_candidates=more
        )
        if not table.comparable and not force:
            raise ComparisonRefused(
                f"{paths[0]} and the baseline {bases[0]} differ in "
                f"{differences_text(table.differences)}; use --force to compare them anyway"
            )
        candidates.append(Candidate(samples=samples, table=table, more=tuple(more)))
    return Comparison(
        baseline=baseline,
        candidates=tuple(candidates),
        limits=limits,
        forced=force,
        more_baselines=tuple(more_baselines),
    )


def write_comparison(comparison: Comparison, out_dir: Path) -> list[Path]:
    """Every output into ``out_dir`` (created); returns the files written."""
    from memload.analysis.compare.html import write_html
    from memload.analysis.compare.outputs import write_json, write_junit, write_markdown
    from memload.analysis.compare.plots import comparison_plots

    out_dir = Path(out_dir)
    try:
        (out_dir / C.PLOTS_DIR).mkdir(parents=True, exist_ok=True)
        plots = comparison_plots(comparison)
        for plot in plots:
            (out_dir / C.PLOTS_DIR / plot.file_name).write_bytes(plot.png)
        written = [
            write_json(comparison, out_dir / C.COMPARE_JSON),
            write_markdown(comparison, out_dir / C.COMPARE_MD),
            write_junit(comparison, out_dir / C.JUNIT_XML),
            write_html(comparison, plots, out_dir / C.COMPARE_HTML),
        ]
    except OSError as error:
        raise ReportError(f"cannot write {out_dir}: {error.strerror or error}") from None
    return written
