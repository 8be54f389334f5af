"""``memload audit RUN_DIR --host URL``: the acknowledged-write audit of a run, after it.

`memload run` audits after a load that completed; a load stopped by hand or aborted gets none (its
checks_audit.json says so), and its write log stays in checks_writes.csv. This command reads those
writes back from the service, which must still hold them, at the scenario's rate and share (or the
options'), writes checks_audit.json and the report again. Ctrl-C stops the reads and keeps what
was read (the report says after how many)."""

from __future__ import annotations

import dataclasses
import json
import signal
import threading
from pathlib import Path
from typing import Any

import click

from memload import names as C
from memload.errors import MemloadError
from memload.host_guard import require_allowed_host


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("run_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--host", required=True, help="The service the run loaded (it must still hold its memories).")
@click.option(
    "--sample", type=click.FloatRange(0.0, 1.0), help="Share of the writes read back [audit_sample]."
)
@click.option("--rate", type=click.FloatRange(min=0.1), help="Reads per second [the scenario's audit_rate].")
@click.option("--max", "max_reads", type=click.IntRange(min=1), help="Reads at most [audit_max].")
@click.option("--allow-remote", is_flag=True, help="Allow a --host that is not this machine.")
def audit(
    run_dir: Path,
    host: str,
    sample: float | None,
    rate: float | None,
    max_reads: int | None,
    allow_remote: bool,
) -> None:
    """Read back the creates and deletes a run acknowledged (RUN_DIR/checks_writes.csv) from the
    service at --host: a created memory missing is a lost write, a deleted one still there a
    resurrected delete. Writes RUN_DIR/checks_audit.json and the report again.

    Exit code: 0 nothing lost or resurrected, 1 a lost write or a resurrected delete, 2 a usage or
    harness error (no write log, unreachable host).
    """
    scenario = _scenario_of(run_dir)
    overrides = {"audit_sample": sample, "audit_rate": rate, "audit_max": max_reads}
    checks = {**scenario.checks, **{k: v for k, v in overrides.items() if v is not None}}
    require_allowed_host(host, allow_remote=allow_remote)
    _reachable(host)
    result = _read_back(dataclasses.replace(scenario, checks=checks), host, run_dir)
    click.echo(
        f"checks audit: {result['audited']:,} of {result['chosen']:,} writes read back in "
        f"{result['duration_s']:g} s: {result['lost_writes']} lost, "
        f"{result['resurrected_deletes']} deletes resurrected, {result['errors']} errors"
        + (" (stopped by hand)" if result["stopped"] else "")
    )
    _report(run_dir)
    raise SystemExit(1 if result["lost_writes"] or result["resurrected_deletes"] else 0)


def _scenario_of(run_dir: Path) -> Any:
    from memload.scenario import Scenario

    for name in (C.SCENARIO_JSON, C.CHECKS_WRITES_CSV):
        if not (run_dir / name).is_file():
            raise MemloadError(
                f"{run_dir}: no {name}: not a run with [checks] audit"
                + (" (its [checks] table did not enable the audit)" if name == C.CHECKS_WRITES_CSV else "")
            )
    scenario = Scenario.from_dict(json.loads((run_dir / C.SCENARIO_JSON).read_text(encoding="utf-8")))
    if "audit" not in scenario.checks.get("enabled", ()):
        raise MemloadError(f"{run_dir}: its scenario's [checks] did not enable the audit")
    return scenario


def _reachable(host: str) -> None:
    from memload.run.processes import HarnessError, check_reachable

    try:
        check_reachable(host)
    except HarnessError as error:
        raise MemloadError(str(error)) from None


def _read_back(scenario: Any, host: str, run_dir: Path) -> dict[str, Any]:
    """run_audit with Ctrl-C stopping the reads rather than the command."""
    from memload.checks.audit import run_audit

    stop = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        result = run_audit(scenario, host, run_dir, stop=stop)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert result is not None  # the scenario has an audit and its log exists (_scenario_of)
    return result


def _report(run_dir: Path) -> None:
    from memload.analysis.report import ReportError, write_report

    try:
        outcome = write_report(run_dir)
    except ReportError as error:
        raise MemloadError(f"the audit is in {C.CHECKS_AUDIT_JSON}, but the report failed: {error}") from None
    for notice in outcome.notices:
        click.echo(notice, err=True)
    click.echo(f"report: {run_dir / C.REPORT_DIR / C.REPORT_HTML}")
