"""What the processes and the machine were doing over a span of time: mean CPU of the target (its
busiest process and all of them), of the busiest load-generator process, and the host's CPU, load
average and memory (host.csv). Shared by the stall flags and the bottleneck hint."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from memload import names as C
from memload.analysis.figures.process import per_sample_sums, scope_rows
from memload.analysis.read.rundir import RunData

BUSY_CORE_PCT = 90.0  # a process at this share of one core is saturated (one core is its limit)
BUSY_HOST_PCT = 90.0  # the machine's CPU (all cores) at this share is saturated


@dataclass(frozen=True, kw_only=True)
class Usage:
    target_pct: float | None = None  # all the target's processes, % of one core (mean)
    target_process_pct: float | None = None  # its busiest process, % of one core (mean)
    target_pid: int | None = None
    loadgen_pct: float | None = None  # the busiest load-generator process, % of one core (mean)
    loadgen_role: str = ""
    host_pct: float | None = None  # the machine, % of all cores (mean)
    host_load1: float | None = None  # the highest 1-minute load average
    host_mem_pct: float | None = None  # the highest memory use
    cores: int | None = None

    def describe(self) -> str:
        """``target 12 % of a core, load generator 30 %, host CPU 95 % (load 3.2 on 2 cores)``."""
        parts = []
        if self.target_pct is not None:
            parts.append(f"target CPU {self.target_pct:.0f} % of a core")
        if self.loadgen_pct is not None:
            parts.append(f"load generator {self.loadgen_pct:.0f} % of a core")
        if self.host_pct is not None:
            load = "" if self.host_load1 is None else f", load average up to {self.host_load1:.1f}"
            cores = "" if self.cores is None else f" on {self.cores} cores"
            parts.append(f"host CPU {self.host_pct:.0f} %{load}{cores}")
        if self.host_mem_pct is not None:
            parts.append(f"host memory {self.host_mem_pct:.0f} % used")
        return ", ".join(parts) or "no process or host samples"


def _mean(values: pd.Series) -> float | None:
    value = float(values.mean()) if len(values) else math.nan
    return value if math.isfinite(value) else None


def usage_between(data: RunData, start_unix: float, end_unix: float) -> Usage:
    """Mean CPU of each part over (start, end]: a sample measures the second before it, so the
    samples taken from half a second after the start to half a second after the end."""
    found: dict[str, object] = {}
    low, high = start_unix + 0.5, end_unix + 0.5
    if data.resources is not None:
        times = data.resources[C.RES_TIMESTAMP]
        rows = data.resources[(times > low) & (times <= high)]
        target = scope_rows(rows, "target")
        if not target.empty:
            found["target_pct"] = _mean(per_sample_sums(target)[C.RES_CPU_PCT])
            by_pid = target.groupby(C.RES_PID)[C.RES_CPU_PCT].mean()
            found["target_process_pct"] = float(by_pid.max())
            found["target_pid"] = int(float(str(by_pid.idxmax())))
        loadgen = scope_rows(rows, "loadgen")
        if not loadgen.empty:
            by_role = loadgen.groupby(loadgen[C.RES_ROLE].astype(str))[C.RES_CPU_PCT].mean()
            found["loadgen_pct"], found["loadgen_role"] = float(by_role.max()), str(by_role.idxmax())
    if data.host is not None:
        times = data.host[C.HOST_TIMESTAMP]
        host = data.host[(times > low) & (times <= high)]
        if not host.empty:
            found["host_pct"] = _mean(host[C.HOST_CPU_PCT])
            load = host[C.HOST_LOAD1].dropna()
            found["host_load1"] = float(load.max()) if len(load) else None
            found["host_mem_pct"] = float(host[C.HOST_MEM_PCT].max())
            found["cores"] = int(host[C.HOST_CORES].max())
    return Usage(**found)  # type: ignore[arg-type]
