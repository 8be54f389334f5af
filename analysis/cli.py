"""``memload report RUN_DIR``: a thin click layer over ``write_report``."""

from __future__ import annotations

from pathlib import Path

import click

from memload import names as C
from memload.analysis.writers.fmt import format_value


class ReportUsageError(click.ClickException):
    """A usage or harness error: one line on stderr, exit code 2."""

    exit_code = 2


@click.command("report")
@click.argument("run_dir", type=click.Path(path_type=Path, file_okay=False, dir_okay=True))
@click.option("--quiet", "-q", is_flag=True, help="Print only the verdict line.")
def report(run_dir: Path, quiet: bool) -> None:
    """Turn the results directory RUN_DIR into RUN_DIR/report/ and a verdict.

    Writes report.html (self-contained), report.md, summary.json (every figure by address),
    junit.xml (one test case per threshold) and plots/*.png. Thresholds are the scenario's,
    from RUN_DIR/run.json, evaluated over the steady window (warm-up excluded).

    Exit codes: 0 every threshold passes (or there are none), 1 a threshold fails or the run lost
    a worker, 2 the run is INCOMPLETE (interrupted, failed, killed) or a usage or harness error
    (missing directory or required file, a threshold that does not parse).
    """
    _write_and_exit(run_dir, quiet)


def _write_and_exit(run_dir: Path, quiet: bool, soak: bool = False) -> None:
    from memload.analysis.report import ReportError, write_report

    try:
        outcome = write_report(run_dir)
    except ReportError as error:
        raise ReportUsageError(str(error)) from None
    for notice in outcome.notices:
        click.echo(notice, err=True)
    if not quiet:
        for warning in outcome.warnings:
            click.echo(f"warning: {warning}", err=True)
        for result in outcome.results:
            status = "pass" if result.passed else "FAIL"
            address = result.threshold.address
            click.echo(
                f"{status:4}  {address} {result.threshold.condition}  "
                f"(measured {format_value(address, result.measured)})"
            )
        if soak:
            for line in _soak_lines(run_dir, outcome.figures):
                click.echo(line, err=line.startswith("soak: no "))
        click.echo(f"report: {outcome.report_dir / C.REPORT_HTML}")
    click.echo(f"verdict: {outcome.verdict}")
    raise SystemExit(outcome.exit_code)


def _soak_lines(run_dir: Path, figures: dict[str, float]) -> list[str]:
    """The soak figures in one line, or why the run has no soak analysis."""
    if "soak.leaks" not in figures and "soak.error_bursts" not in figures:
        import json

        from memload.analysis.read.rundir import load_meta
        from memload.analysis.soak.analyse import not_soak_reason

        summary = json.loads((run_dir / C.REPORT_DIR / C.SUMMARY_JSON).read_text(encoding="utf-8"))
        reason = not_soak_reason(load_meta(run_dir), float(summary["window"]["duration_s"]))
        return [f"soak: no soak analysis: {reason or 'no resource samples nor interval counts'}"]
    parts = [f"{figures.get('soak.leaks', 0):g} leak(s)"]
    for address, label, unit in (
        ("target.rss_slope_mb_per_h", "target RSS", " MB/h"),
        ("target.num_fds_slope_per_h", "fds", "/h"),
        ("target.threads_slope_per_h", "threads", "/h"),
        ("loadgen.rss_slope_mb_per_h", "load generator RSS at most", " MB/h"),
    ):
        if address in figures:
            parts.append(f"{label} {figures[address]:+.3g}{unit}")
    if "soak.hours_to_rss_limit" in figures:
        parts.append(f"RSS limit in {figures['soak.hours_to_rss_limit']:.1f} h")
    if "soak.p95_drift_pct" in figures:
        parts.append(f"p95 drift {figures['soak.p95_drift_pct']:+.1f} %")
    if "soak.error_bursts" in figures:
        parts.append(f"{figures['soak.error_bursts']:g} error burst(s)")
    return ["soak: " + ", ".join(parts)]


@click.command("soak")
@click.argument("run_dir", type=click.Path(path_type=Path, file_okay=False, dir_okay=True))
@click.option("--quiet", "-q", is_flag=True, help="Print only the verdict line.")
def soak(run_dir: Path, quiet: bool) -> None:
    """The report of a soak run RUN_DIR: the same RUN_DIR/report/ as `memload report`, whose Soak
    section (every run of 10 minutes or more at a steady load) holds the leak verdicts (Theil–Sen
    slopes of the target's RSS, fds and threads and of the load generator's RSS, Mann–Kendall
    tests), the per-window table, latency drift and error bursts; prints the soak figures.

    Exit codes as `memload report`: 0 every threshold passes (or there are none), 1 a threshold
    fails or the run lost a worker, 2 the run is INCOMPLETE or a usage or harness error.
    """
    _write_and_exit(run_dir, quiet, soak=True)
