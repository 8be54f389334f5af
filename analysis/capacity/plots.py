"""Capacity figures, on the project's Agg figures (``plots.kit``): throughput against concurrency
with the USL fit, the latency "hockey stick" (p95/p99 against throughput), and an arrival-rate
search (p95 against offered rate per probe). Each returns the Figure; every drawn element carries a
gid (``GID_*``) so tests check what was drawn, not pixels. SLOs are ``Threshold``s
(``memload.scenario.thresholds.parse_slo``) drawn by ``kit.threshold_lines`` (gid
``threshold:<address>``). A latency axis turns logarithmic when its values span more than a factor
of ``LOG_SPAN`` (an overloaded probe would otherwise flatten everything under the SLO line).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter
from numpy.typing import ArrayLike

from memload.analysis.capacity.answer import CapacityAtSlo, rate_text
from memload.analysis.capacity.usl import UslFit, usl_band
from memload.analysis.plots.kit import finish, new_figure, threshold_lines
from memload.scenario.thresholds import Threshold

GID_MEASURED = "measured"
GID_FIT = "usl:fit"
GID_BAND = "usl:band"
GID_NO_MODEL = "usl:unusable"
GID_CAPACITY_RPS = "capacity:rps"
GID_CAPACITY_USERS = "capacity:users"
GID_LATENCY = "latency:"  # + "p95" / "p99"
GID_MET = "probes:met"
GID_MISSED = "probes:missed"
GID_MAX_RATE = "max_rate"
CAPACITY_COLOR = "#2ca02c"
GRID_POINTS = 200
LOG_SPAN = 30.0


def _array(values: ArrayLike, name: str, size: int | None = None) -> np.ndarray:
    array = np.asarray(values, dtype=float).ravel()
    if size is not None and array.size != size:
        raise ValueError(f"{name}: {array.size} values for {size} points")
    return array


def _latency_axis(ax: Axes, values: np.ndarray, thresholds: Sequence[Threshold]) -> str:
    """Log scale when the positive latencies (and SLO limits) span more than LOG_SPAN."""
    positive = np.concatenate([values[values > 0], [t.limit for t in thresholds if t.limit > 0]])
    if positive.size and positive.max() / positive.min() > LOG_SPAN:
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))  # 200, not 2 × 10²
        ax.yaxis.set_minor_formatter(FuncFormatter(_minor_label))
        return " (log scale)"
    ax.set_ylim(bottom=0)
    return ""


def _minor_label(value: float, _: object) -> str:
    """Minor ticks of a log axis labelled at 2, 3 and 5 × 10ⁿ only, so labels do not overlap."""
    if value <= 0:
        return ""
    return f"{value:g}" if round(value / 10 ** math.floor(math.log10(value))) in (2, 3, 5) else ""


def _latency_slos(slos: Sequence[Threshold]) -> list[Threshold]:
    return [s for s in slos if s.address.endswith("_ms")]


def plot_throughput_curve(
    concurrency: ArrayLike,
    throughput: ArrayLike,
    *,
    fit: UslFit | None = None,
    capacity: CapacityAtSlo | None = None,
    title: str = "throughput against concurrency",
) -> Figure:
    """Measured steady throughput per concurrency level; the USL curve and its 95 % band (delta
    method) only when the fit is usable, otherwise a note saying why there is none; the capacity at
    the SLO as a horizontal line (and a vertical one at its concurrency)."""
    n = _array(concurrency, "concurrency")
    x = _array(throughput, "throughput", n.size)
    figure, (ax,) = new_figure()
    ax.plot(n, x, marker="o", linestyle="none", color="black", label="measured (steady)", gid=GID_MEASURED)
    if fit is not None and fit.usable:
        band = usl_band(fit, np.linspace(1.0, max(float(n.max()), 1.0), GRID_POINTS))
        ax.plot(
            band.concurrency,
            band.throughput,
            color="#1f77b4",
            label=f"USL fit (σ = {fit.sigma:.2g}, κ = {fit.kappa:.2g}, R² = {fit.r_squared:.3f})",
            gid=GID_FIT,
        )
        ax.fill_between(
            band.concurrency,
            band.low,
            band.high,
            color="#1f77b4",
            alpha=0.2,
            label="USL 95 % band",
            gid=GID_BAND,
        )
    elif fit is not None:
        ax.text(
            0.02,
            0.95,
            f"no scalability model: {fit.reason}",
            transform=ax.transAxes,
            va="top",
            fontsize="small",
            gid=GID_NO_MODEL,
        )
    if capacity is not None:
        ax.axhline(
            capacity.rps,
            color=CAPACITY_COLOR,
            linestyle="--",
            label=f"capacity at SLO: {rate_text(capacity.rps)}",
            gid=GID_CAPACITY_RPS,
        )
        if capacity.users is not None:
            ax.axvline(
                capacity.users,
                color=CAPACITY_COLOR,
                linestyle=":",
                label=f"at {capacity.users:g} users",
                gid=GID_CAPACITY_USERS,
            )
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    finish(ax, title=title, xlabel="concurrency (users)", ylabel="throughput (requests/s)")
    return figure


def plot_latency_vs_throughput(
    throughput: ArrayLike,
    p95_ms: ArrayLike,
    p99_ms: ArrayLike | None = None,
    *,
    slos: Sequence[Threshold] = (),
    title: str = "response time against throughput",
) -> Figure:
    """The "hockey stick": p95 (and p99) of each step against its steady throughput, in step order,
    with the latency SLOs (``*_ms``) as horizontal lines."""
    x = _array(throughput, "throughput")
    figure, (ax,) = new_figure()
    drawn = []
    for name, values in (("p95", p95_ms), ("p99", p99_ms)):
        if values is None:
            continue
        y = _array(values, name, x.size)
        drawn.append(y)
        ax.plot(x, y, marker="o", label=name, gid=f"{GID_LATENCY}{name}")
    latency_slos = _latency_slos(slos)
    threshold_lines(ax, latency_slos, unit="ms")
    scale = _latency_axis(ax, np.concatenate(drawn) if drawn else np.array([]), latency_slos)
    ax.set_xlim(left=0)
    finish(ax, title=title, xlabel="throughput (requests/s)", ylabel=f"response time (ms){scale}")
    return figure


def plot_rate_search(
    offered_rps: ArrayLike,
    p95_ms: ArrayLike,
    met: Sequence[bool],
    *,
    slos: Sequence[Threshold] = (),
    max_rate: float | None = None,
    title: str = "arrival-rate search: p95 per probe",
) -> Figure:
    """p95 against offered rate for each probe of a search, probes that met the SLO as green dots
    and those that missed it as red crosses, the latency SLOs as horizontal lines and the highest
    rate found to meet them as a vertical line."""
    rate = _array(offered_rps, "offered_rps")
    p95 = _array(p95_ms, "p95_ms", rate.size)
    passed = np.asarray(met, dtype=bool).ravel()
    if passed.size != rate.size:
        raise ValueError(f"met: {passed.size} values for {rate.size} probes")
    figure, (ax,) = new_figure()
    for mask, marker, color, label, gid in (
        (passed, "o", CAPACITY_COLOR, "met the SLO", GID_MET),
        (~passed, "x", "#d62728", "missed the SLO", GID_MISSED),
    ):
        if mask.any():
            ax.plot(rate[mask], p95[mask], marker=marker, linestyle="none", color=color, label=label, gid=gid)
    latency_slos = _latency_slos(slos)
    threshold_lines(ax, latency_slos, unit="ms")
    if max_rate is not None:
        ax.axvline(
            max_rate,
            color=CAPACITY_COLOR,
            linestyle=":",
            label=f"max rate meeting the SLO: {rate_text(max_rate)}",
            gid=GID_MAX_RATE,
        )
    scale = _latency_axis(ax, p95, latency_slos)
    ax.set_xlim(left=0)
    finish(ax, title=title, xlabel="offered rate (requests/s)", ylabel=f"p95 response time (ms){scale}")
    return figure
