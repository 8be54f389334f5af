"""What `memload run` prints: a progress line while it runs, a per-operation table at the end
(memload's exact percentiles from its HDR histograms, with Locust's rounded ones beside)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from memload import names as C
from memload.run.disk import estimate_bytes, megabytes
from memload.run.run_json import redact

if TYPE_CHECKING:
    from memload.run.runner import RunRequest

TAIL_BYTES = 16_384
# as the report: below these counts a percentile says no more than the maximum (1 / (1 - q))
MIN_REQUESTS = {"p95_ms": 20, "p99_ms": 100, "p999_ms": 1000}


def _tail_rows(path: Path) -> list[dict[str, str]]:
    """The last rows of a CSV that may be growing (read from the end, header from the start)."""
    try:
        with open(path, "rb") as file:
            header = file.readline().decode()
            file.seek(0, 2)
            size = file.tell()
            file.seek(max(len(header), size - TAIL_BYTES))
            tail = file.read().decode(errors="replace")
    except OSError:
        return []
    lines = tail.splitlines()[1:] if size > TAIL_BYTES else tail.splitlines()
    return list(csv.DictReader(io.StringIO(header + "\n".join(lines))))


def print_progress(run_dir: Path, *, echo: Callable[[str], None]) -> None:
    rows = [r for r in _tail_rows(run_dir / C.HISTORY_CSV) if r.get(C.NAME) == C.AGGREGATED]
    if not rows:
        return
    last = rows[-1]
    echo(
        f"  users={last.get(C.HIST_USERS, '?'):>5}  req/s={_num(last.get(C.STATS_RPS)):>8.1f}  "
        f"requests={last.get(C.HIST_REQUESTS, '?')}  failures={last.get(C.HIST_FAILURES, '?')}"
    )


def _num(text: str | None) -> float:
    try:
        return float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")


def _ms(value: float | None) -> str:
    """A time in ms at the histograms' 3 significant digits."""
    if value is None:
        return "-"
    return f"{value:.0f}" if value >= 100 else f"{value:.3g}"


def _locust_rows(run_dir: Path) -> dict[str, dict[str, str]]:
    try:
        with open(run_dir / C.STATS_CSV, newline="") as file:
            rows = list(csv.DictReader(file))
    except OSError:
        return {}
    return {("total" if r.get(C.NAME) == C.AGGREGATED else r.get(C.NAME, "")): r for r in rows}


def print_summary(run_dir: Path, *, echo: Callable[[str], None]) -> None:
    """The per-operation table: memload's exact percentiles (HDR histograms, whole run) with
    Locust's rounded p50/p99 beside them; Locust's table alone for runs without histograms."""
    locust = _locust_rows(run_dir)
    try:
        from memload.analysis.report import whole_run_figures

        exact = whole_run_figures(run_dir)
    except Exception as error:  # the table is a courtesy: never fail a run over it
        echo(f"(memload's histograms unreadable: {type(error).__name__}: {error}; Locust's figures below)")
        exact = None
    if exact is None:
        _print_locust_summary(locust, echo=echo)
        return
    figures, _ = exact
    header = (
        f"{'operation':<22}{'requests':>10}{'failures':>10}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'p99 ms':>9}{'p99.9 ms':>10}{'max ms':>9} |{'Locust p50':>11}{'p99':>6}"
    )
    echo(
        "memload's exact figures over the whole run (HDR histograms, 3 significant digits); "
        "Locust's rounded percentiles beside"
    )
    echo(header)
    echo("-" * len(header))
    for scope in figures.scopes:
        echo(_exact_row(scope, figures.values, locust.get(scope, {})))
    least = min((figures.values.get(f"{s}.requests") or 0) for s in figures.scopes) if figures.scopes else 0
    if least < MIN_REQUESTS["p999_ms"]:
        echo("(— : too few requests to say more than the maximum: p95 needs 20, p99 100, p99.9 1,000)")


def _exact_row(scope: str, values: dict[str, float], locust_row: dict[str, str]) -> str:
    def value(metric: str) -> float | None:
        return values.get(f"{scope}.{metric}")

    counts = f"{value('requests') or 0:>10,.0f}{value('failures') or 0:>10,.0f}{value('rps') or 0:>9.1f}"

    def shown(metric: str) -> str:
        enough = (value("requests") or 0) >= MIN_REQUESTS.get(metric, 0)
        return _ms(value(metric)) if enough else "—"

    exact = "".join(f"{shown(m):>9}" for m in ("p50_ms", "p95_ms", "p99_ms"))
    tail = f"{shown('p999_ms'):>10}{_ms(value('max_ms')):>9}"
    locust = f"{locust_row.get('50%', '-'):>11}{locust_row.get('99%', '-'):>6}"
    return f"{scope:<22}{counts}{exact}{tail} |{locust}"


def _print_locust_summary(rows: dict[str, dict[str, str]], *, echo: Callable[[str], None]) -> None:
    """Locust's final statistics (its rounded percentiles), for runs without memload's histograms."""
    if not rows:
        return
    header = (
        f"{'operation':<22}{'requests':>10}{'failures':>10}{'req/s':>10}"
        f"{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
    )
    echo(header)
    echo("-" * len(header))
    for row in rows.values():
        name = row.get(C.NAME, "")
        p50, p95, p99 = (row.get(f"{p}%", "") for p in (50, 95, 99))  # Locust's rounded percentiles
        echo(
            f"{name:<22}{row.get(C.STATS_REQUESTS, ''):>10}{row.get(C.STATS_FAILURES, ''):>10}"
            f"{_num(row.get(C.STATS_RPS)):>10.1f}{p50:>9}{p95:>9}{p99:>9}"
        )


def report_and_verdict(run_dir: Path) -> int:
    """Write ``run_dir``'s report and print its verdict, notices and warnings; its exit code."""
    from memload.analysis.report import ReportError, write_report

    try:
        result = write_report(run_dir)
    except ReportError as error:
        _echo(f"memload: report failed: {error}", err=True)
        return 2
    for notice in result.notices:
        _echo(notice, err=True)
    _echo(f"verdict: {result.verdict}  report: {result.report_dir / C.REPORT_HTML}")
    for line in result.bottleneck:
        _echo(f"why: {line}")
    requests = result.figures.get("total.requests")
    if result.window and requests is not None:
        _echo(f"the report's figures: {result.window}, {requests:,.0f} requests (the table above: whole run)")
    for warning in result.warnings:
        _echo(f"warning: {warning}", err=True)
    return result.exit_code


def baseline_gate_of(name: str, out: Path) -> Callable[[Path], int]:
    """``memload run --baseline NAME``: the comparison to make after the run (memload.analysis);
    a usage error (exit 2) now, before the run, when there is no such baseline."""
    import click

    from memload.analysis.report import baseline_gate

    return baseline_gate(name, out, click.echo)


def describe(request: RunRequest) -> None:
    """The line ``memload run`` prints before it starts: the load, the target, what it will write."""
    s = request.scenario
    where = redact(request.host) if request.host else "the reference target (started on a free loopback port)"
    _echo(
        f"memload: {s.name}: {s.load.shape} load, peak {s.load.peak_users} users, "
        f"{s.load.duration_s:g} s, against {where}"
        + (f", {request.workers} workers" if request.workers else "")
        + f"; writes about {megabytes(estimate_bytes(s, workers=request.workers))}"
    )


def _echo(text: str, *, err: bool = False) -> None:
    import click

    click.echo(text, err=err)
