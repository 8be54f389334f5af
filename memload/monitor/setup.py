"""Starting the watch of a run's service from its ``[monitor]`` table (memload.monitor.spec): the
processes psutil samples as the target (by pid, or found by their command line), and the Prometheus
endpoints scraped into target_metrics.csv (``<host>/metrics`` and the table's ``metrics``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import psutil

from memload import names as C
from memload.monitor.sampling import MetricsScraper, ResourceSampler


def start_monitoring(
    sampler: ResourceSampler, monitor: dict[str, Any], host: str, run_dir: Path
) -> MetricsScraper:
    """Watch the processes ``monitor`` names (beside a target memload started) and start the scraper."""
    for pid in [*monitor.get("pids", ()), *find_processes(monitor.get("process_names", ()))]:
        sampler.watch(C.ROLE_TARGET, pid)
    sampler.start()
    scraper = MetricsScraper(
        run_dir / C.TARGET_METRICS_CSV,
        f"{host.rstrip('/')}/metrics",
        extra_urls=tuple(monitor.get("metrics", ())),
        keep_buckets=frozenset(monitor.get("series", ())),
    )
    scraper.start()
    return scraper


def find_processes(patterns: list[str] | tuple[str, ...]) -> list[int]:
    """Pids of the processes (not memload's own) whose name is, or command line holds, a pattern."""
    if not patterns:
        return []
    own = {os.getpid(), *(p.pid for p in psutil.Process().children(recursive=True))}
    found = []
    for process in psutil.process_iter(["pid", "name", "cmdline"]):
        info = process.info
        line = " ".join(info.get("cmdline") or ())
        if info["pid"] not in own and any(p == info.get("name") or p in line for p in patterns):
            found.append(info["pid"])
    return found
