"""Before a run starts: about how much it will write, and whether the results folder's disk holds it.

Every output grows linearly with time at a fixed rate (rates measured on a smoke run with the
reference target: 9 operations, one Locust process): Locust's full history, ~170 bytes per row and a
row per operation (and the total) every second; the target's /metrics, ~4 KB a second; memload's
histograms, ~100 bytes a second per operation and latency metric; resources.csv, ~45 bytes a second
per process, and host.csv ~35 bytes a second. A 24-hour smoke-like run writes about half a gigabyte.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from memload.scenario import Scenario

HISTORY_ROW_BYTES = 170
TARGET_METRICS_BYTES_PER_S = 4_000
HISTOGRAM_BYTES_PER_S = 100  # per operation and latency metric
RESOURCE_ROW_BYTES = 45
HOST_ROW_BYTES = 35  # host.csv: "1795000000.123,57.5,1.23,48.2,2"
LLM_METRICS = 5  # ttft, itl, tpot, e2e, tokens/s besides the response time
LLM_OPERATIONS = ("llm_chat", "rag_query")
FIXED_BYTES = 2_000_000  # logs, run.json, the report and its plots
MARGIN = 1.25


def estimate_bytes(scenario: Scenario, *, workers: int) -> int:
    """About how many bytes the run's directory will hold at its end."""
    seconds = scenario.load.duration_s
    operations = [name for name, weight in scenario.mix.items() if weight > 0]
    metrics = sum(1 + (LLM_METRICS if name in LLM_OPERATIONS else 0) for name in operations)
    processes = 1 + max(workers, 1) + 1  # the target, the master or lone process, the workers
    per_second = (
        (len(operations) + 1) * HISTORY_ROW_BYTES
        + TARGET_METRICS_BYTES_PER_S
        + metrics * HISTOGRAM_BYTES_PER_S
        + processes * RESOURCE_ROW_BYTES
        + HOST_ROW_BYTES
    )
    return int((per_second * seconds + FIXED_BYTES) * MARGIN)


def free_bytes(folder: Path) -> int:
    """Free space on the disk that holds ``folder`` (or its nearest existing parent)."""
    probe = folder.resolve()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return shutil.disk_usage(probe).free


def megabytes(amount: int) -> str:
    return f"{amount / 1e6:,.0f} MB" if amount >= 1e6 else f"{amount / 1e3:,.0f} KB"


def check_disk(scenario: Scenario, *, workers: int, out: Path) -> None:
    """Refuse to start a run whose results the disk cannot hold (a HarnessError: exit 2)."""
    from memload.run.processes import HarnessError

    needed = estimate_bytes(scenario, workers=workers)
    free = free_bytes(out)
    if needed > free:
        raise HarnessError(
            f"this run would write about {megabytes(needed)} under {out}, "
            f"and its disk has {megabytes(free)} free"
        )
