"""`memload capacity`: the arrival-rate search, one real `memload run` per probe.

Each probe is an open-model run of the scenario at one rate, ``probe_warmup + probe_duration`` long
with the warm-up excluded, whose thresholds are the SLOs and the error limit: a probe passes when its
report's verdict is PASS. Every probe is a complete results directory under ``<search>/probes/``;
the search writes ``capacity_search.json`` (every probe, the answer, why it stopped) and then its
report. The decisions are memload.capacity.decisions's.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from memload import names as C
from memload.capacity.decisions import Probe, SearchState, next_rate, stop_reason
from memload.run.run_json import iso_utc, make_run_dir
from memload.run.runner import RunRequest, execute
from memload.scenario import Scenario
from memload.scenario.thresholds import Threshold


@dataclass(frozen=True, kw_only=True)
class SearchRequest:
    scenario: Scenario  # open model; its rate is the search's start
    slos: list[Threshold]
    host: str | None = None
    out: Path = Path("results")
    tag: str | None = None
    workers: int = 0
    max_rate: float = 100_000.0
    arguments: dict[str, Any] | None = None


def probe_thresholds(slos: list[Threshold], max_error_rate: float) -> dict[str, list[str]]:
    """The probe scenario's thresholds: every SLO, and the error limit."""
    table: dict[str, list[str]] = {}
    for slo in slos:
        table.setdefault(slo.address, []).append(slo.condition)
    table.setdefault("total.error_rate", []).append(f"<= {max_error_rate:g}")
    return table


def probe_scenario(base: Scenario, rate: float, slos: list[Threshold]) -> Scenario:
    options = base.capacity
    assert base.arrival is not None
    return replace(
        base,
        name=f"{base.name}-probe",
        arrival=replace(base.arrival, rate=rate, steps=()),
        load=replace(base.load, duration_s=options.probe_warmup_s + options.probe_duration_s),
        warmup_s=options.probe_warmup_s,
        thresholds=probe_thresholds(slos, options.max_error_rate),
    )


def _probe_once(
    request: SearchRequest, rate: float, probes_dir: Path, echo: Callable[[str], None], stop: threading.Event
) -> tuple[Probe, str]:
    from memload.analysis.report import ReportError, write_report

    scenario = probe_scenario(request.scenario, rate, request.slos)
    run = RunRequest(
        scenario=scenario,
        host=request.host,
        workers=request.workers,
        tag=f"rate-{rate:g}",
        out=probes_dir,
        arguments={**(request.arguments or {}), "probe_rate": rate},
        quiet=True,
    )
    outcome = execute(run, echo=lambda _line: None, interrupted=stop)
    relative = str(outcome.run_dir.relative_to(probes_dir.parent))
    if outcome.status != "completed":
        return Probe(rate=rate, passed=False, run_dir=relative), outcome.status
    try:
        report = write_report(outcome.run_dir)
    except ReportError as error:
        echo(f"memload: probe at {rate:g} requests/s: report failed: {error}")
        return Probe(rate=rate, passed=False, run_dir=relative), "failed"
    summary = json.loads((report.report_dir / C.SUMMARY_JSON).read_text())
    failed = tuple(f"{r.threshold.address} {r.threshold.condition}" for r in report.results if not r.passed)
    figures = {k: v for k, v in summary.get("figures", {}).items() if isinstance(v, (int, float))}
    return Probe(
        rate=rate, passed=report.exit_code == 0, run_dir=relative, figures=figures, failed_slos=failed
    ), ""


def search_document(
    request: SearchRequest, state: SearchState, started: float, status: str
) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "scenario_name": request.scenario.name,
        "scenario": request.scenario.to_dict(),
        "slos": [f"{s.address} {s.condition}" for s in request.slos],
        "max_error_rate": request.scenario.capacity.max_error_rate,
        "probe_duration_s": request.scenario.capacity.probe_duration_s,
        "probe_warmup_s": request.scenario.capacity.probe_warmup_s,
        "bracket_pct": state.bracket_pct,
        "start_rate": state.start_rate,
        "max_rate": state.max_rate,
        "started_at": iso_utc(started),
        "ended_at": iso_utc(time.time()),
        "exit_status": status,
        "max_rate_at_slo": state.best,
        "lowest_failing_rate": state.lowest_failure,
        "stop_reason": stop_reason(state) if state.probes else "no probe ran",
        "probes": [
            {
                "rate": p.rate,
                "passed": p.passed,
                "run_dir": p.run_dir,
                "failed": list(p.failed_slos),
                "figures": p.figures,
            }
            for p in state.probes
        ],
    }


def run_search(
    request: SearchRequest, *, echo: Callable[[str], None], stop: threading.Event
) -> tuple[Path, dict[str, Any]]:
    """Probe until the search is over (or a signal stops it); returns the directory and its document."""
    started = time.time()
    search_dir = make_run_dir(request.out, request.scenario.name, request.tag or "search", started)
    probes_dir = search_dir / C.PROBES_DIR
    probes_dir.mkdir()
    assert request.scenario.arrival is not None
    options = request.scenario.capacity
    state = SearchState(
        start_rate=request.scenario.arrival.rate, max_rate=request.max_rate, bracket_pct=options.bracket_pct
    )
    status = "completed"
    while (rate := next_rate(state)) is not None:
        echo(f"memload: probe {len(state.probes) + 1}: {rate:g} requests/s …")
        probe, problem = _probe_once(request, rate, probes_dir, echo, stop)
        if problem:
            status = "interrupted" if problem == "interrupted" else "failed"
            echo(f"memload: probe at {rate:g} requests/s {problem}: the search stops here")
            break
        state = state.with_probe(probe)
        verdict = "meets every SLO" if probe.passed else "misses: " + ", ".join(probe.failed_slos)
        echo(f"          {verdict}")
    document = search_document(request, state, started, status)
    path = search_dir / C.CAPACITY_SEARCH_JSON
    path.with_suffix(".tmp").write_text(json.dumps(document, indent=1) + "\n")
    path.with_suffix(".tmp").replace(path)
    return search_dir, document
