"""``memload compare BASELINE_RUN CANDIDATE_RUN [MORE_RUNS...]``, and the comparison ``memload run
--baseline NAME`` makes after its run (``compare_to_baseline``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import click

from memload import names as C
from memload.analysis.compare.limits import LimitError, LimitSet, limit_set
from memload.analysis.compare.noise.report import calibration_lines
from memload.analysis.compare.outputs import change_text, ci_text
from memload.analysis.compare.report import Comparison, build_comparison, differences_text, write_comparison
from memload.analysis.errors import ReportError
from memload.analysis.history.baselines import resolve_baseline
from memload.analysis.read.rundir import load_meta

USAGE_EXIT = 2


class CompareUsageError(click.ClickException):
    """A usage or harness error: one line on stderr, exit code 2."""

    exit_code = USAGE_EXIT


def limits_for(
    candidate: Path,
    max_regression: Sequence[str],
    min_improvement: Sequence[str],
    run_noise: Sequence[str] = (),
) -> LimitSet:
    """The candidate's scenario ``[compare]`` table (its run.json) overlaid with the command line."""
    scenario = load_meta(candidate).get(C.RUN_SCENARIO) or {}
    table = scenario.get("compare") if isinstance(scenario, dict) else None
    return limit_set(
        table, max_regression=max_regression, min_improvement=min_improvement, run_noise=run_noise
    )


def run_comparison(
    baseline: Path | Sequence[Path],
    candidates: Sequence[Path],
    *,
    runs_per_side: int = 1,
    out: Path | None,
    force: bool,
    max_regression: Sequence[str] = (),
    min_improvement: Sequence[str] = (),
    run_noise: Sequence[str] = (),
    echo: Callable[..., None] = click.echo,
    quiet: bool = False,
) -> int:
    """Compare, write the outputs, print the changes and the verdict; the exit code (0 or 1).
    Raises ReportError (a comparison refused, a run that cannot be read) or LimitError."""
    if not candidates:
        raise ReportError(
            f"no candidate: {runs_per_side} run(s) of the baseline, then {runs_per_side} per candidate"
        )
    limits = limits_for(candidates[0], max_regression, min_improvement, run_noise)
    comparison = build_comparison(baseline, candidates, limits, force=force, runs_per_side=runs_per_side)
    out_dir = out or Path(candidates[0]) / C.COMPARE_DIR
    write_comparison(comparison, out_dir)
    if not quiet:
        for line in summary_lines(comparison):
            echo(line, err=line.startswith("warning"))
    echo(f"compare: {out_dir / C.COMPARE_HTML}")
    echo(f"compare verdict: {comparison.verdict} (exit {comparison.exit_code})")
    return comparison.exit_code


def summary_lines(comparison: Comparison) -> list[str]:
    lines = []
    for candidate in comparison.candidates:
        table = candidate.table
        if table.differences:
            lines.append(f"warning: settings differ (--force): {differences_text(table.differences)}")
        changed = [row for row in table.rows if row.change.real]
        counted = f"{len(changed)} of {len(table.rows)} figures changed"
        lines.append(f"{candidate.samples.run_dir}: {table.verdict}, {counted}")
        for row in changed:
            c = row.change
            flag = "  FAIL" if c.fails else ""
            p = f"p={c.p_value:.2g}" if c.p_value is not None else ""
            lines.append(
                f"  {c.verdict:9} {row.address:28} {change_text(c):>10}  95 % CI {ci_text(c)}  {p}{flag}"
            )
    return lines


def compare_to_baseline(run_dir: Path, baseline: str, results: Path, echo: Callable[..., None]) -> int:
    """`memload run --baseline NAME`: compare the finished run with the named baseline into
    RUN_DIR/compare/; 0 or 1, or 2 (with a one-line message) when it cannot be compared."""
    try:
        return run_comparison(
            resolve_baseline(baseline, results), [run_dir], out=None, force=False, echo=echo
        )
    except (ReportError, LimitError) as error:
        echo(f"memload: comparison with baseline {baseline!r} failed: {error}", err=True)
        return USAGE_EXIT


def baseline_gate(name: str, results: Path, echo: Callable[..., None]) -> Callable[[Path], int]:
    """`memload run --baseline NAME`, checked before the run (a CompareUsageError, exit 2, when
    the baseline does not exist): the comparison to make with the finished run directory."""
    try:
        found = str(resolve_baseline(name, results))
    except ReportError as error:
        raise CompareUsageError(f"--baseline: {error}") from None
    return lambda run_dir: compare_to_baseline(run_dir, found, results, echo)


PCT_HELP = "PCT for every figure, or FIGURE=PCT for one (search.p95_ms=10; p95_ms=10: all scopes); repeatable"


@click.command("compare")
@click.argument("baseline_run")
@click.argument(
    "candidate_runs",
    nargs=-1,
    required=True,
    metavar="CANDIDATE_RUN [MORE_RUNS]...",
    type=click.Path(path_type=Path, file_okay=False),
)
@click.option(
    "--max-regression-pct",
    "max_regression",
    multiple=True,
    help="A real regression beyond this fails (exit 1); default 0. " + PCT_HELP,
)
@click.option(
    "--min-improvement-pct",
    "min_improvement",
    multiple=True,
    help="A real improvement smaller than this is reported as ~. " + PCT_HELP,
)
@click.option(
    "--run-noise-pct",
    "run_noise",
    multiple=True,
    help="How much runs of identical settings differ (the standard deviation of a run's level, %), "
    "allowed for by the test; default per figure, measured on a shared machine (see "
    "--calibrate). " + PCT_HELP,
)
@click.option(
    "--runs-per-side",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="N runs of each side, each run one sample (benchstat): the first N runs are the baseline, "
    "each next N a candidate; the run-to-run noise is then measured by the runs' own spread.",
)
@click.option(
    "--calibrate",
    is_flag=True,
    help="Measure the run-to-run noise of the runs given (3 or more of identical settings) and "
    "print it per figure, with [compare] lines to use it; compares nothing.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Compare runs of different scenarios, seeds or load settings (the differences are listed).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    help="Output folder (default: CANDIDATE_RUN/compare/).",
)
@click.option(
    "--results",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("results"),
    show_default=True,
    help="Results folder holding baselines/ (for a BASELINE_RUN given by name).",
)
@click.option("--quiet", "-q", is_flag=True, help="Print only the verdict lines.")
def compare(
    baseline_run: str,
    candidate_runs: tuple[Path, ...],
    max_regression: tuple[str, ...],
    min_improvement: tuple[str, ...],
    run_noise: tuple[str, ...],
    runs_per_side: int,
    calibrate: bool,
    force: bool,
    out: Path | None,
    results: Path,
    quiet: bool,
) -> None:
    """Compare CANDIDATE_RUN (and MORE_RUNS) with BASELINE_RUN, figure by figure.

    BASELINE_RUN is a results directory or the NAME of a saved baseline (results/baselines/NAME).
    For every operation, total and the target: throughput, p50/p95/p99, error rate, LLM TTFT/TPOT,
    target CPU per request and RSS: both values, the change in %, its 95 % interval and a t test
    whose error holds the per-10 s-interval noise and the run-to-run noise (--run-noise-pct); a
    verdict per figure (improved, regressed, ~) and overall. Limits come from the candidate
    scenario's [compare] table and the options. Writes compare.html (self-contained), compare.md,
    compare.json, junit.xml, plots/.

    With --runs-per-side N, the first N runs are the baseline and each next N a candidate, each run
    one sample. With --calibrate, the runs are runs of identical settings whose run-to-run noise
    is measured and printed.

    Exit codes: 0 no real regression beyond its limit, 1 one or more, 2 a usage error (a run that
    cannot be read; runs whose scenario, seed or load settings differ, unless --force).
    """
    try:
        runs = [resolve_baseline(baseline_run, results), *candidate_runs]
        if calibrate:
            for line in calibration_lines(runs, force=force):
                click.echo(line)
            raise SystemExit(0)
        bases = [resolve_baseline(str(run), results) for run in runs[:runs_per_side]]
        code = run_comparison(
            bases if runs_per_side > 1 else bases[0],
            runs[runs_per_side:],
            runs_per_side=runs_per_side,
            out=out,
            force=force,
            max_regression=max_regression,
            min_improvement=min_improvement,
            run_noise=run_noise,
            quiet=quiet,
        )
    except (ReportError, LimitError) as error:
        raise CompareUsageError(str(error)) from None
    raise SystemExit(code)
