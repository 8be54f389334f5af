"""`memload run`'s options that add to the scenario's ``[monitor]`` table: ``--monitor-pid`` (a
process of the service, sampled with psutil; repeatable) and ``--monitor-url`` (one more Prometheus
endpoint; repeatable)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from memload.scenario import Scenario

F = TypeVar("F", bound=Callable[..., Any])


def monitor_options(command: F) -> F:
    command = click.option(
        "--monitor-url",
        multiple=True,
        help="One more Prometheus endpoint to scrape besides HOST/metrics (vLLM, a sidecar); "
        "adds to [monitor] metrics. Repeatable.",
    )(command)
    return click.option(
        "--monitor-pid",
        type=click.IntRange(min=1),
        multiple=True,
        help="A process of the service (this machine) to sample with psutil as the target: CPU, RSS, "
        "threads, fds; adds to [monitor] pids. Repeatable.",
    )(command)


def with_monitor_options(scenario: Scenario, options: dict[str, Any]) -> Scenario:
    """``scenario`` with the command line's --monitor-pid and --monitor-url added to [monitor]
    (``memload run`` gathers them under ``monitor``; ``memload master`` has them at the top)."""
    options = {**options, **(options.get("monitor") or {})}
    pids, urls = tuple(options.get("monitor_pid") or ()), tuple(options.get("monitor_url") or ())
    for url in urls:
        if not url.startswith(("http://", "https://")):
            raise click.UsageError(f"--monitor-url: {url!r} is not an http:// or https:// URL")
    if not pids and not urls:
        return scenario
    monitor = dict(scenario.monitor)
    if pids:
        monitor["pids"] = [*monitor.get("pids", ()), *pids]
    if urls:
        monitor["metrics"] = [*monitor.get("metrics", ()), *urls]
    return replace(scenario, monitor=monitor)
