"""`memload run`: a thin click command over memload.run.runner (also the body of `memload master`)."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import click

from memload import names as C
from memload.errors import MemloadError
from memload.host_guard import require_allowed_host
from memload.monitor.options import monitor_options, with_monitor_options
from memload.run.console import baseline_gate_of, describe, report_and_verdict
from memload.run.locust_command import Distributed
from memload.run.processes import HarnessError
from memload.run.runner import RunOutcome, RunRequest, execute
from memload.run.signals import ReportAbandoned, deferred_signals
from memload.run.workers import read_roster
from memload.scenario import Scenario, apply_overrides, load_scenario
from memload.scenario.durations import parse_duration_s
from memload.scenario.tables import ScenarioError


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("scenario")
@click.option(
    "--host",
    help="Base URL of the service to load (e.g. http://127.0.0.1:8000). "
    "Without it memload starts its reference target on a free loopback port.",
)
@click.option(
    "--target",
    help="Adapter for the service: reference, openai, mem0, or file.py:Class / "
    "package.module:Class. Overrides the scenario's `target`.",
)
@click.option(
    "--users",
    type=click.IntRange(min=1),
    help="Users: the steady count (constant), the final "
    "count (ramp), the base (spike), or the last step (steps, others scaled).",
)
@click.option("--spawn-rate", type=click.FloatRange(min=0.001), help="Users started per second.")
@click.option(
    "--rate",
    type=click.FloatRange(min=0.001, max=1e7),
    help="Requests per second across all workers, for open-model scenarios ([arrival]): overrides "
    "arrival.rate (and its steps). Refused on a closed-model scenario.",
)
@click.option("--duration", help="Run time, e.g. 30s, 10m, 24h. Overrides the scenario's load.duration.")
@click.option(
    "--warmup",
    help="Excluded from figures and thresholds, counted from the first user, e.g. 30s; overrides the "
    "scenario's warmup (a shorter --duration may need a shorter --warmup).",
)
@click.option(
    "--step-duration",
    help="Length of each step of a steps scenario (e.g. capacity), e.g. 30s: the run lasts steps × this.",
)
@click.option(
    "--timeout",
    help="The client's timeout (connect, and each read of an answer), e.g. 10s; overrides the "
    "scenario's `timeout` (default 60s). A request past it fails as 'timeout: …'.",
)
@click.option("--seed", type=click.IntRange(min=0), help="Seed for content, user ids and task choice.")
@click.option("--tag", help="Appended to the results directory name.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("results"),
    show_default=True,
    help="Folder under which the run's directory is made.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Run a Locust master and this many local worker processes (0: one process).",
)
@click.option("--web", is_flag=True, help="Serve Locust's web UI on 127.0.0.1 instead of running headless.")
@click.option(
    "--web-port",
    type=click.IntRange(1, 65535),
    default=8089,
    show_default=True,
    help="Port of the web UI with --web.",
)
@click.option(
    "--report/--no-report",
    default=True,
    show_default=True,
    help="Write report/ and take the exit code from the thresholds.",
)
@click.option("--baseline", help="Then compare with this baseline (OUT/baselines/NAME); worse exit code.")
@click.option("--quiet", is_flag=True, help="No progress lines while the run goes on.")
@click.option(
    "--metrics-port",
    type=click.IntRange(1, 65535),
    help="Serve memload's live figures for Prometheus on 127.0.0.1:PORT/metrics (memload master: on "
    "its --bind address; with --web also at the web UI's /metrics).",
)
@click.option(
    "--preflight/--no-preflight",
    default=True,
    show_default=True,
    help="Before the load, one request of each operation of the mix (not counted): a 401/403/404 or "
    "an answer that is not JSON ends the run (exit 2) naming the operation, status and message.",
)
@click.option(
    "--target-down-limit",
    default="5m",
    show_default=True,
    help="End the run (exit 2, results kept) when the target accepts no connection for this long.",
)
@click.option(
    "--interim-report",
    default="1h",
    show_default=True,
    help="Write report/ this often while the run goes on (atomically; 0 for none), e.g. 30m.",
)
@click.option(
    "--allow-lost-workers",
    is_flag=True,
    help="A worker lost mid-run is reported but does not fail the run (exit 1 by default).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Run more --workers than this machine has cores (each worker wants a core of its own).",
)
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Allow a --host that is neither loopback nor this machine (or MEMLOAD_ALLOW_REMOTE=1).",
)
@monitor_options
def run(
    scenario: str,
    host: str | None,
    target: str | None,
    users: int | None,
    spawn_rate: float | None,
    rate: float | None,
    timeout: str | None,
    duration: str | None,
    warmup: str | None,
    step_duration: str | None,
    seed: int | None,
    tag: str | None,
    out: Path,
    workers: int,
    web: bool,
    web_port: int,
    report: bool,
    baseline: str | None,
    quiet: bool,
    metrics_port: int | None,
    preflight: bool,
    interim_report: str,
    target_down_limit: str,
    allow_lost_workers: bool,
    force: bool,
    allow_remote: bool,
    **monitor: Any,  # --monitor-pid, --monitor-url (memload.monitor.options)
) -> None:
    """Run SCENARIO (a name from `memload scenarios`, or a .toml path) and write results/<run>/.

    Exit code: 0 all thresholds pass, 1 a threshold failed, 2 a usage or harness error (bad
    scenario, unreachable host, interrupted run).
    """
    _check_workers(workers, force=force)
    run_scenario({k: v for k, v in locals().items() if k != "force"})


def run_scenario(options: dict[str, Any], distributed: Distributed | None = None) -> None:
    """The body of ``memload run`` (and of ``memload master``, whose workers come from elsewhere:
    ``distributed``), given the command's options by name; exits with the run's code."""
    o = SimpleNamespace(**options)
    host, out, workers = o.host, o.out, o.workers
    require_allowed_host(host, allow_remote=o.allow_remote)
    gate = baseline_gate_of(o.baseline, out) if o.baseline else None  # exit 2 now when it is missing
    resolved = resolved_scenario(options)
    recorded = (
        "scenario",
        "host",
        *OVERRIDES,
        "tag",
        "out",
        "workers",
        "web",
        "allow_lost_workers",
        "preflight",
    )
    arguments = {k: str(options[k]) if k == "out" else options[k] for k in recorded}
    if distributed is not None:
        arguments["distributed"] = {"bind": distributed.bind, "master_port": distributed.master_port}
    request = RunRequest(
        scenario=resolved,
        host=host,
        workers=workers,
        web=o.web,
        web_port=o.web_port,
        tag=o.tag,
        out=out,
        arguments=arguments,
        quiet=o.quiet,
        metrics_port=o.metrics_port,
        preflight=o.preflight,
        interim_report_s=duration_option("--interim-report", o.interim_report),
        target_down_limit_s=duration_option("--target-down-limit", o.target_down_limit),
        distributed=distributed,
    )
    describe(request)
    with deferred_signals() as interrupted:
        try:
            outcome = execute(request, echo=click.echo, interrupted=interrupted)
        except HarnessError as error:
            raise MemloadError(str(error)) from None
        if distributed is not None:
            for entry in read_roster(outcome.run_dir):
                late = ", connected late" if entry.get(C.WK_LATE) else ""
                gone = ", left mid-run" if entry.get(C.WK_GONE_UNIX) else ""
                click.echo(
                    f"worker {entry.get(C.WK_ID)} on {entry.get(C.WK_HOST)}: {entry.get(C.WK_REQUESTS, 0):,} "
                    f"requests, {entry.get(C.WK_FAILURES, 0):,} failures{late}{gone}"
                )
        try:
            code = _finish(outcome, report=o.report, allow_lost_workers=o.allow_lost_workers)
        except ReportAbandoned:
            click.echo(
                f"memload: report abandoned; rebuild it with: memload report {outcome.run_dir}", err=True
            )
            code = 2
    if gate is not None and code != 2:  # not 2: the run completed and has its report
        code = max(code, gate(outcome.run_dir))
    if interrupted.is_set() and code != 2:
        click.echo("memload: interrupted after the run; its results and report are complete", err=True)
        code = 2
    raise SystemExit(code)


OVERRIDES = (
    "target",
    "users",
    "spawn_rate",
    "rate",
    "timeout",
    "duration",
    "step_duration",
    "warmup",
    "seed",
)


def resolved_scenario(options: dict[str, Any]) -> Scenario:
    """The scenario of ``options["scenario"]`` with the command line's overrides; a bad one is a
    one-line usage error."""
    try:
        overridden = apply_overrides(load_scenario(options["scenario"]), **{k: options[k] for k in OVERRIDES})
        return with_monitor_options(overridden, options)
    except ScenarioError as error:
        raise MemloadError(str(error)) from None


def duration_option(option: str, text: str) -> float:
    try:
        return parse_duration_s(text)
    except ValueError as error:
        raise MemloadError(f"{option}: {error}") from None


def _check_workers(workers: int, *, force: bool) -> None:
    cores = os.cpu_count() or 1
    if workers <= cores:
        return
    if not force:
        raise MemloadError(
            f"--workers {workers} on {cores} cores: each worker wants a core of its own (more only slow "
            f"each other down and connect late); use at most {cores}, or --force"
        )
    click.echo(f"warning: --workers {workers} on {cores} cores (--force)", err=True)


def _finish(outcome: RunOutcome, *, report: bool, allow_lost_workers: bool) -> int:
    click.echo(f"results: {outcome.run_dir}")
    code = 0
    if report and (outcome.run_dir / C.HISTORY_CSV).exists():  # whatever happened, if load was recorded
        code = report_and_verdict(outcome.run_dir)
    if outcome.status != "completed":
        click.echo(f"memload: run {outcome.status}: {outcome.message}", err=True)
        return 2
    if outcome.lost_workers and not allow_lost_workers:
        click.echo(f"memload: {len(outcome.lost_workers)} worker(s) lost mid-run: exit 1", err=True)
        code = max(code, 1)
    return code
