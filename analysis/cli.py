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
        click.echo(f"report: {outcome.report_dir / C.REPORT_HTML}")
    click.echo(f"verdict: {outcome.verdict}")
    raise SystemExit(outcome.exit_code)
