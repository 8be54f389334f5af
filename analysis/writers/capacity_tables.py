"""The capacity tables of a report: a concurrency-steps run's steps, and an arrival-rate search's
probes, as rows of strings (shared by report.md and report.html)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from memload.analysis.capacity.concurrency import StepsCapacity
from memload.analysis.writers.fmt import format_value
from memload.analysis.writers.tables import Table

STEP_HEADER = ["step", "users", "req/s", "p50 ms", "p95 ms", "p99 ms", "error rate", "target CPU %", "SLOs"]


def _cell(figures: Mapping[str, float], address: str) -> str:
    value = figures.get(address)
    return "–" if value is None else format_value(address, value)


def steps_table(capacity: StepsCapacity) -> Table:
    rows, missed = [], set()
    knee = capacity.knee.concurrency if capacity.knee is not None else None
    for index, (step, ok) in enumerate(zip(capacity.steps, capacity.meets)):
        f = step.figures
        verdict = "no whole interval" if not f else ("met" if ok else "missed")
        if f and not ok:
            missed.add(index)
        label = f"{step.index + 1}" + (" (knee)" if knee is not None and step.users == knee else "")
        rows.append(
            [
                label,
                str(step.users),
                _cell(f, "total.rps"),
                _cell(f, "total.p50_ms"),
                _cell(f, "total.p95_ms"),
                _cell(f, "total.p99_ms"),
                _cell(f, "total.error_rate"),
                _cell(f, "target.cpu_pct"),
                verdict,
            ]
        )
    return Table(header=STEP_HEADER, rows=rows, failed_rows=frozenset(missed))


def model_lines(capacity: StepsCapacity) -> list[str]:
    """What the scalability fit and the knee say, in words, for under the table."""
    lines = []
    fit = capacity.fit
    if fit is not None and not fit.failed:
        lines.append(
            f"Universal Scalability Law: σ = {fit.sigma:.4g} [{fit.sigma_ci[0]:.3g}, {fit.sigma_ci[1]:.3g}], "
            f"κ = {fit.kappa:.3g} [{fit.kappa_ci[0]:.3g}, {fit.kappa_ci[1]:.3g}], "
            f"λ = {fit.lam:.4g} req/s per user [{fit.lam_ci[0]:.4g}, {fit.lam_ci[1]:.4g}] (95 %), "
            f"R² = {fit.r_squared:.3f}, limited by {fit.limit}"
            + (
                f"; predicted peak {fit.peak_concurrency} users"
                if fit.usable and fit.peak_established
                else ""
            )
            + ("" if fit.usable else f"; not used for a projection: {fit.reason}")
        )
    elif fit is not None:
        lines.append(f"No scalability model: {fit.reason}")
    if capacity.knee is not None:
        lines.append(f"Knee at {capacity.knee.concurrency:g} users: {capacity.knee.rule}")
    else:
        lines.append("No knee: p95 never grew clearly faster than throughput from one step to the next")
    return lines + capacity.projection


PROBE_HEADER = ["probe", "offered req/s", "achieved req/s", "error rate", "SLO figures", "verdict", "run"]


def probes_table(probes: Sequence[Mapping[str, Any]], slo_addresses: Sequence[str]) -> Table:
    rows, missed = [], set()
    for index, probe in enumerate(probes):
        figures = probe.get("figures") or {}
        measured = ", ".join(f"{a} {_cell(figures, a)}" for a in slo_addresses)
        verdict = (
            "met" if probe.get("passed") else "missed: " + "; ".join(probe.get("failed") or ["no figures"])
        )
        if not probe.get("passed"):
            missed.add(index)
        rows.append(
            [
                str(index + 1),
                f"{probe['rate']:g}",
                _cell(figures, "total.rps"),
                _cell(figures, "total.error_rate"),
                measured,
                verdict,
                str(probe.get("run_dir", "")),
            ]
        )
    return Table(header=PROBE_HEADER, rows=rows, failed_rows=frozenset(missed))
