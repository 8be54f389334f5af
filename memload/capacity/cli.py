"""`memload capacity`: the highest arrival rate at which every SLO holds (a thin click command)."""

from __future__ import annotations

from pathlib import Path

import click

from memload import names as C
from memload.capacity.search import SearchRequest, run_search
from memload.errors import MemloadError
from memload.host_guard import require_allowed_host
from memload.run.processes import HarnessError
from memload.run.signals import deferred_signals, stop_signals
from memload.scenario import Scenario, ScenarioError, apply_overrides, load_scenario
from memload.scenario.capacity import check_probe_duration
from memload.scenario.thresholds import Threshold, ThresholdError, parse_slo


def _slos(scenario: Scenario, texts: tuple[str, ...]) -> list[Threshold]:
    try:
        slos = [parse_slo(t) for t in texts] if texts else scenario.capacity.slos()
    except ThresholdError as error:
        raise MemloadError(f"--slo: {error}") from None
    if not slos:
        raise MemloadError(f'{scenario.path}: no SLO: give --slo "search.p95_ms < 50" or [capacity].slo')
    return slos


def _resolve(
    scenario_name: str, *, target: str | None, rate: float | None, seed: int | None, timeout: str | None
) -> Scenario:
    try:
        resolved = apply_overrides(load_scenario(scenario_name), target=target, seed=seed, timeout=timeout)
        if resolved.arrival is None:
            raise MemloadError(
                f"{resolved.path}: the search needs an open-model scenario ([arrival]): its rate is where "
                "the search starts (memload run capacity measures concurrency steps of a closed model)"
            )
        return apply_overrides(resolved, rate=rate) if rate is not None else resolved
    except ScenarioError as error:
        raise MemloadError(str(error)) from None


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("scenario")
@click.option(
    "--slo",
    "slo_texts",
    multiple=True,
    help='An SLO, e.g. "search.p95_ms < 50" (repeatable; replaces the scenario\'s [capacity].slo).',
)
@click.option("--host", help="The service to load (default: the reference target, started per probe).")
@click.option("--target", help="Adapter for the service (overrides the scenario's `target`).")
@click.option(
    "--start-rate", type=click.FloatRange(min=0.5), help="First probe's rate (default: arrival.rate)."
)
@click.option(
    "--max-rate",
    type=click.FloatRange(min=1),
    default=100_000.0,
    show_default=True,
    help="The search never offers more than this many requests/s.",
)
@click.option(
    "--probe-duration", help="Measured length of each probe (default [capacity].probe_duration, 30s)."
)
@click.option(
    "--probe-warmup", help="Warm-up of each probe, excluded (default [capacity].probe_warmup, 10s)."
)
@click.option(
    "--bracket-pct",
    type=click.FloatRange(min=0.5, max=50),
    help="Stop once the bracket is this narrow, in %% of its upper end (default [capacity].bracket_pct, 5).",
)
@click.option(
    "--for-rps", type=click.FloatRange(min=0, min_open=True), help="Instances needed for this load."
)
@click.option(
    "--headroom",
    type=click.FloatRange(0, 1, max_open=True),
    default=0.3,
    show_default=True,
    help="Spare capacity each instance keeps, for --for-rps.",
)
@click.option("--workers", type=click.IntRange(min=0), default=0, show_default=True, help="Locust workers.")
@click.option("--seed", type=click.IntRange(min=0), help="Seed for content and arrivals.")
@click.option("--timeout", help="The client's timeout, e.g. 10s.")
@click.option("--tag", help="Appended to the search directory's name (default: search).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("results"),
    show_default=True,
    help="Folder under which the search directory is made.",
)
@click.option("--allow-remote", is_flag=True, help="Allow a --host outside this machine.")
def capacity(
    scenario: str,
    slo_texts: tuple[str, ...],
    host: str | None,
    target: str | None,
    start_rate: float | None,
    max_rate: float,
    probe_duration: str | None,
    probe_warmup: str | None,
    bracket_pct: float | None,
    for_rps: float | None,
    headroom: float,
    workers: int,
    seed: int | None,
    timeout: str | None,
    tag: str | None,
    out: Path,
    allow_remote: bool,
) -> None:
    """Find the highest arrival rate at which every SLO of SCENARIO (an open-model scenario) holds.

    A ramp doubles the rate until a probe misses an SLO, then bisection narrows the bracket to
    --bracket-pct. Each probe is a complete run in <search>/probes/; the search's report opens with
    the answer. Exit code: 0 a rate met every SLO, 1 none did, 2 a usage or harness error or an
    interrupted search.
    """
    resolved = _resolve(scenario, target=target, rate=start_rate, seed=seed, timeout=timeout)
    resolved = _with_probe_options(resolved, probe_duration, probe_warmup, bracket_pct)
    slos = _slos(resolved, slo_texts)
    require_allowed_host(host, allow_remote=allow_remote)
    request = SearchRequest(
        scenario=resolved,
        slos=slos,
        host=host,
        out=out,
        tag=tag,
        workers=workers,
        max_rate=max_rate,
        arguments={"scenario": scenario, "slo": list(slo_texts)},
    )
    click.echo(f"memload capacity: {resolved.name}: " + ", ".join(f"{s.address} {s.condition}" for s in slos))
    with deferred_signals(), stop_signals() as stop:
        try:
            search_dir, document = run_search(request, echo=click.echo, stop=stop)
        except HarnessError as error:
            raise MemloadError(str(error)) from None
    raise SystemExit(_finish(search_dir, document, for_rps=for_rps, headroom=headroom))


def _with_probe_options(
    scenario: Scenario, duration: str | None, warmup: str | None, bracket_pct: float | None
) -> Scenario:
    from dataclasses import replace

    from memload.scenario.durations import parse_duration_s

    options = scenario.capacity
    try:
        if duration is not None:
            options = replace(options, probe_duration_s=parse_duration_s(duration))
            check_probe_duration(
                options.probe_duration_s, lambda text: MemloadError(f"--probe-duration {text}")
            )
        if warmup is not None:
            options = replace(options, probe_warmup_s=parse_duration_s(warmup))
    except ValueError as error:
        raise MemloadError(f"--probe-duration/--probe-warmup: {error}") from None
    if bracket_pct is not None:
        options = replace(options, bracket_pct=bracket_pct)
    return replace(scenario, capacity=options)


def _finish(search_dir: Path, document: dict, *, for_rps: float | None, headroom: float) -> int:
    from memload.analysis.report import ReportError, write_capacity_search_report

    click.echo(f"results: {search_dir}")
    try:
        outcome = write_capacity_search_report(search_dir, for_rps=for_rps, headroom=headroom)
    except ReportError as error:
        click.echo(f"memload: report failed: {error}", err=True)
        return 2
    click.echo(outcome.answer)
    click.echo(f"report: {outcome.report_dir / C.REPORT_HTML}")
    if document["exit_status"] != "completed":
        click.echo(f"memload: search {document['exit_status']}", err=True)
        return 2
    return 0 if document["max_rate_at_slo"] is not None else 1
