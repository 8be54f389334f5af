"""`memload compare --calibrate RUN RUN RUN...`: the run-to-run noise of runs with identical
settings, per figure, printed with the ``[compare]`` lines that give it to later comparisons."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from memload.analysis.compare.noise.calibrate import MIN_RUNS, UPPER_CONFIDENCE, measure_noise
from memload.analysis.compare.noise.model import run_noise_pct
from memload.analysis.compare.samples import run_samples
from memload.analysis.compare.table import setting_differences
from memload.analysis.errors import ReportError


def calibration_lines(run_dirs: Sequence[Path], *, force: bool = False) -> list[str]:
    """The table and the ``[compare]`` lines; a ReportError with fewer than MIN_RUNS runs, or runs
    whose settings differ (unless ``force``)."""
    if len(run_dirs) < MIN_RUNS:
        raise ReportError(
            f"--calibrate needs at least {MIN_RUNS} runs of identical settings, got {len(run_dirs)}"
        )
    runs = [run_samples(Path(path)) for path in run_dirs]
    for run in runs[1:]:
        differences = setting_differences(runs[0].meta, run.meta)
        if differences and not force:
            listed = "; ".join(f"{d.setting}: {d.baseline!r} -> {d.candidate!r}" for d in differences)
            raise ReportError(f"{run.run_dir} and {runs[0].run_dir} differ in {listed}; use --force")
    per_figure, _ = measure_noise(runs)
    if not per_figure:
        raise ReportError("no figure has a positive value in every run: nothing to calibrate")
    bound = f"upper {UPPER_CONFIDENCE:.0%}"
    lines = [
        f"run-to-run noise of {len(runs)} runs (% of a run's level, standard deviation; spread: "
        "largest / smallest run - 1):",
        f"  {'figure':16} {'measured':>9} {bound:>10} {'spread':>8} {'default':>8}",
    ]
    for noise in per_figure:
        lines.append(
            f"  {noise.name:16} {noise.run_noise_pct:8.1f} % {noise.upper_pct:8.1f} % "
            f"{noise.spread_pct:6.1f} % {run_noise_pct(noise.name):6.1f} %"
        )
    lines += ["", f"[compare]   # the {bound} bounds, for the scenario's table"]
    lines += [f'"{noise.name}" = {{ run_noise_pct = {noise.upper_pct:.1f} }}' for noise in per_figure]
    return lines
