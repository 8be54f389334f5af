"""The one-sentence answer at the top of a capacity report, e.g.

    one instance holds 1,180 req/s (64 users) with search p95 < 50 ms; saturates at 1,420 req/s;
    contention-limited (σ = 0.04)

Parts, joined by "; ": the capacity at the SLO (or "no step met <SLOs>"), the saturation throughput
(the largest steady throughput measured; left out when unknown), and the scalability model: its
limit kind with the parameter behind it when the fit is usable (and the predicted peak when
it is established: κ's interval excludes 0), "no scalability model: <reason>"
when it is not, nothing when no fit was made (an arrival-rate search has no concurrency levels).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from memload.analysis.capacity.usl import UslFit
from memload.scenario.thresholds import Threshold


@dataclass(frozen=True)
class CapacityAtSlo:
    """The largest measured load that met every SLO: its throughput and where it was measured."""

    rps: float  # steady throughput, requests/s
    users: float | None = None  # concurrency of that step (concurrency steps)
    offered_rps: float | None = None  # offered arrival rate of that probe (arrival-rate search)


def rate_text(rps: float) -> str:
    """1,180 req/s; 42.5 req/s; 0.85 req/s."""
    if rps >= 100:
        return f"{rps:,.0f} req/s"
    return f"{rps:.3g} req/s"


def slo_text(slo: str | Threshold) -> str:
    """An SLO in words: a Threshold on ``search.p95_ms`` with ``< 50`` is "search p95 < 50 ms";
    a string is taken as written."""
    if isinstance(slo, str):
        return slo.strip()
    scope, _, metric = slo.address.partition(".")
    if metric.endswith("_ms"):
        return f"{scope} {metric[: -len('_ms')]} {slo.op} {slo.limit:g} ms"
    return f"{scope} {metric.replace('_', ' ')} {slo.op} {slo.limit:g}"


def where_text(capacity: CapacityAtSlo) -> str:
    if capacity.users is not None:
        unit = "user" if capacity.users == 1 else "users"
        return f" ({capacity.users:g} {unit})"
    if capacity.offered_rps is not None:
        return f" (at {rate_text(capacity.offered_rps)} offered)"
    return ""


def limit_text(fit: UslFit) -> str:
    if not fit.usable:
        return f"no scalability model: {fit.reason}"
    if fit.limit == "contention":
        return f"contention-limited (σ = {fit.sigma:.2g})"
    if fit.limit == "coherency":
        peak = f", peak near {fit.peak_concurrency} users" if fit.peak_established else ""
        return f"coherency-limited (κ = {fit.kappa:.2g}{peak})"
    return f"scales linearly over the measured range (up to {fit.max_concurrency:g} users)"


def capacity_sentence(
    capacity: CapacityAtSlo | None,
    slos: Sequence[str | Threshold],
    saturation_rps: float | None,
    fit: UslFit | None,
) -> str:
    """The answer; ``capacity`` None means no measured step met the SLOs."""
    objectives = " and ".join(slo_text(s) for s in slos)
    if capacity is None:
        parts = [f"no measured load met {objectives or 'the SLO'}"]
    else:
        held = f"with {objectives}" if objectives else "(no SLO set)"
        parts = [f"one instance holds {rate_text(capacity.rps)}{where_text(capacity)} {held}"]
    if saturation_rps is not None:
        parts.append(f"saturates at {rate_text(saturation_rps)}")
    if fit is not None:
        parts.append(limit_text(fit))
    return "; ".join(parts)
