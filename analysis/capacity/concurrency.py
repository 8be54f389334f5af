"""Capacity of a concurrency-steps run: its steps (steps.py), which of them meet the SLOs, the knee,
the Universal Scalability Law fit, the one-sentence answer, the ``capacity.*`` figures and the plots.

The capacity at SLO is the step with the highest steady throughput among those that meet every SLO
of the scenario's ``[capacity].slo`` (their thresholds syntax) and have figures; the saturation is
the highest steady throughput of any step. The projection uses the capacity at SLO, never the fit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from memload import names as C
from memload.analysis.capacity.answer import CapacityAtSlo, capacity_sentence
from memload.analysis.capacity.knee import Knee, StepPoint, find_knee
from memload.analysis.capacity.projection import Projection, instances_for_rps, instances_for_users
from memload.analysis.capacity.steps import SETTLE_FRACTION, Step, analyse_steps
from memload.analysis.capacity.usl import UslFit, fit_usl
from memload.analysis.read.rundir import RunData
from memload.analysis.read.window import Window
from memload.scenario.thresholds import Threshold, ThresholdError, parse_slo


@dataclass(frozen=True, kw_only=True)
class StepsCapacity:
    steps: list[Step]
    slos: list[Threshold]
    meets: list[bool]  # per step: every SLO holds (False for a step without figures)
    knee: Knee | None
    fit: UslFit | None
    capacity: CapacityAtSlo | None
    saturation_rps: float | None
    answer: str
    projection: list[str] = field(default_factory=list)  # instances for the scenario's for_rps/for_users
    figures: dict[str, float] = field(default_factory=dict)


def slos_of(meta: Mapping[str, Any]) -> list[Threshold]:
    scenario = meta.get(C.RUN_SCENARIO) or {}
    capacity = scenario.get("capacity") if isinstance(scenario, Mapping) else None
    texts = capacity.get("slo", ()) if isinstance(capacity, Mapping) else ()
    found = []
    for text in texts:
        try:
            found.append(parse_slo(text))
        except ThresholdError:
            continue  # checked when the scenario was loaded; a hand-edited run.json loses it
    return found


def settle_fraction_of(meta: Mapping[str, Any]) -> float:
    scenario = meta.get(C.RUN_SCENARIO) or {}
    capacity = scenario.get("capacity") if isinstance(scenario, Mapping) else None
    value = capacity.get("settle_fraction") if isinstance(capacity, Mapping) else None
    return float(value) if isinstance(value, (int, float)) else SETTLE_FRACTION


def meets(step: Step, slos: list[Threshold]) -> bool:
    if not step.figures:
        return False
    return all(step.figures.get(t.address) is not None and t.passes(step.figures[t.address]) for t in slos)


def _capacity_at_slo(steps: list[Step], ok: list[bool]) -> CapacityAtSlo | None:
    candidates = [(s.total("rps") or 0.0, s) for s, good in zip(steps, ok) if good and s.total("rps")]
    if not candidates:
        return None
    rps, step = max(candidates, key=lambda pair: pair[0])
    return CapacityAtSlo(rps=rps, users=step.users)


def _fit(steps: list[Step]) -> UslFit | None:
    points = [(s.users, s.total("rps")) for s in steps if s.total("rps")]
    if len(points) < 3:
        return None
    return fit_usl([n for n, _ in points], [x or 0.0 for _, x in points])


def _figures(result: StepsCapacity) -> dict[str, float]:
    figures: dict[str, float] = {}
    if result.capacity is not None:
        figures["capacity.max_rps_at_slo"] = result.capacity.rps
        if result.capacity.users is not None:
            figures["capacity.users_at_slo"] = float(result.capacity.users)
    if result.saturation_rps is not None:
        figures["capacity.saturation_rps"] = result.saturation_rps
    if result.knee is not None:
        figures["capacity.knee_users"] = float(result.knee.concurrency)
    fit = result.fit
    if fit is not None and not fit.failed:
        figures.update(
            {"capacity.usl_sigma": fit.sigma, "capacity.usl_kappa": fit.kappa, "capacity.usl_lambda": fit.lam}
        )
        if fit.r_squared is not None:
            figures["capacity.usl_r2"] = fit.r_squared
        if fit.usable and fit.peak_established and fit.peak_concurrency is not None:
            figures["capacity.usl_peak_users"] = float(fit.peak_concurrency)
            figures["capacity.usl_peak_rps"] = float(fit.peak_throughput or 0.0)
    return figures


def projection_lines(meta: Mapping[str, Any], capacity: CapacityAtSlo | None) -> list[str]:
    """Instances needed for the scenario's ``[capacity]`` for_rps / for_users, from the capacity at SLO."""
    scenario = meta.get(C.RUN_SCENARIO) or {}
    options = scenario.get("capacity") if isinstance(scenario, Mapping) else None
    if not isinstance(options, Mapping) or capacity is None:
        return []
    headroom = float(options.get("headroom") or 0.0)
    lines = []
    if options.get("for_rps"):
        found = instances_for_rps(float(options["for_rps"]), capacity.rps, headroom)
        lines.append(_projection_text(found))
    if options.get("for_users") and capacity.users:
        found = instances_for_users(float(options["for_users"]), float(capacity.users), headroom)
        lines.append(_projection_text(found))
    return lines


def _projection_text(found: Projection) -> str:
    return (
        f"Projection: {found.instances} instance(s) for {found.target:g} {found.unit} with "
        f"{found.headroom:.0%} headroom ({found.capacity_per_instance:g} {found.unit} each at the SLOs); "
        + "; ".join(found.assumptions)
    )


def steps_capacity(data: RunData, window: Window) -> StepsCapacity | None:
    """The capacity analysis of a steps run; None for any other run or one without memload's files."""
    steps = analyse_steps(data, window, settle_fraction=settle_fraction_of(data.meta))
    if not steps or not any(s.figures for s in steps):
        return None
    slos = slos_of(data.meta)
    ok = [meets(s, slos) for s in steps]
    measured = [s for s in steps if s.total("rps") is not None]
    points = [StepPoint(s.users, s.total("rps") or 0.0, s.total("p95_ms") or 0.0) for s in measured]
    knee = find_knee(points) if len(points) >= 2 else None
    fit = _fit(steps)
    capacity = _capacity_at_slo(steps, ok)
    saturation = max((s.total("rps") or 0.0 for s in measured), default=None)
    result = StepsCapacity(
        steps=steps,
        slos=slos,
        meets=ok,
        knee=knee,
        fit=fit,
        capacity=capacity,
        saturation_rps=saturation,
        answer=capacity_sentence(capacity, slos, saturation, fit),
        projection=projection_lines(data.meta, capacity),
    )
    result.figures.update(_figures(result))
    return result
