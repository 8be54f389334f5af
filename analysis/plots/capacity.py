"""The plots of a concurrency-steps run's capacity analysis (analysis/capacity): throughput against
concurrency with the scalability fit, and the SLO's latency against throughput."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from matplotlib.figure import Figure

from memload.analysis.capacity.concurrency import StepsCapacity
from memload.analysis.capacity.plots import plot_latency_vs_throughput, plot_throughput_curve


def capacity_plot_specs(capacity: StepsCapacity) -> Iterator[tuple[str, str, Callable[[], Figure]]]:
    """(file name, title, builder) of each capacity plot."""
    measured = [s for s in capacity.steps if s.total("rps") is not None]
    if not measured:
        return
    users = [s.users for s in measured]
    rps = [s.total("rps") or 0.0 for s in measured]
    yield (
        "capacity_throughput.png",
        "Throughput against concurrency",
        lambda: plot_throughput_curve(users, rps, fit=capacity.fit, capacity=capacity.capacity),
    )
    latency_slos = [t for t in capacity.slos if t.address.endswith("_ms")]
    scope = latency_slos[0].address.partition(".")[0] if latency_slos else "total"
    p95 = [s.figures.get(f"{scope}.p95_ms", float("nan")) for s in measured]
    p99 = [s.figures.get(f"{scope}.p99_ms", float("nan")) for s in measured]
    same_scope = [t for t in latency_slos if t.address.startswith(f"{scope}.")]
    yield (
        "capacity_latency.png",
        f"{scope} response time against total throughput",
        lambda: plot_latency_vs_throughput(
            rps, p95, p99, slos=same_scope, title=f"{scope}: response time against total throughput"
        ),
    )
