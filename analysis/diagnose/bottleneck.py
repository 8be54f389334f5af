"""The bottleneck hint: when a threshold fails, what was saturated during the steady window, in
the order a reader should look: the target (its busiest process at >= 90 % of one core, or all of
it at >= 90 % of the machine's cores), the load generator (a process above its safe CPU: its own
queueing is then in the latencies), errors of one class (most failures with the same error), the
host's CPU (other processes competing); or that nothing was."""

from __future__ import annotations

from memload import names as C
from memload.analysis.diagnose.usage import BUSY_CORE_PCT, BUSY_HOST_PCT, Usage, usage_between
from memload.analysis.figures.process import LOADGEN_CPU_WARN_PCT
from memload.analysis.read.rundir import RunData
from memload.analysis.read.window import Window

ONE_CLASS_SHARE = 0.8  # failures of one error are "errors of one class" from this share
MIN_FAILURES = 5


def _target(usage: Usage) -> list[str]:
    found = []
    if usage.target_process_pct is not None and usage.target_process_pct >= BUSY_CORE_PCT:
        found.append(
            f"the target was saturated: its process (pid {usage.target_pid}) used "
            f"{usage.target_process_pct:.0f} % of one core on average (a single-threaded process "
            "cannot use more)"
        )
    elif usage.cores and usage.target_pct is not None and usage.target_pct >= BUSY_CORE_PCT * usage.cores:
        found.append(
            f"the target was saturated: it used {usage.target_pct:.0f} % of one core, "
            f"{usage.target_pct / usage.cores:.0f} % of the machine's {usage.cores} cores"
        )
    return found


def _loadgen(usage: Usage) -> list[str]:
    if usage.loadgen_pct is None or usage.loadgen_pct < LOADGEN_CPU_WARN_PCT:
        return []
    return [
        f"the load generator was saturated: {usage.loadgen_role} used {usage.loadgen_pct:.0f} % of one "
        f"core on average (safe below {LOADGEN_CPU_WARN_PCT:.0f} %): latencies include its own queueing "
        "and it may have sent less than asked (add --workers)"
    ]


def _errors(data: RunData, window_failures: float) -> list[str]:
    frame = data.failures
    if frame is None or frame.empty or window_failures < MIN_FAILURES:
        return []
    by_error = frame.groupby(frame[C.FAIL_ERROR].astype(str))[C.FAIL_OCCURRENCES].sum()
    total = float(by_error.sum())
    if total <= 0:
        return []
    error, count = str(by_error.idxmax()), float(by_error.max())
    if count / total < ONE_CLASS_SHARE:
        return []
    return [f"errors of one class: {count / total:.0%} of the run's {total:,.0f} failures are {error[:160]}"]


def _host(usage: Usage) -> list[str]:
    if usage.host_pct is None or usage.host_pct < BUSY_HOST_PCT:
        return []
    load = "" if usage.host_load1 is None else f", load average up to {usage.host_load1:.1f}"
    return [
        f"the host was saturated: its CPU was {usage.host_pct:.0f} % busy across {usage.cores or '?'} "
        f"cores{load}; the target and the load generator competed for it"
    ]


def bottleneck_hint(data: RunData, window: Window, figures: dict[str, float]) -> list[str]:
    """One line per saturated resource of the steady window, or one line saying none was."""
    usage = usage_between(data, window.start_unix, window.end_unix)
    found = [
        *_target(usage),
        *_loadgen(usage),
        *_errors(data, figures.get("total.failures", 0.0)),
        *_host(usage),
    ]
    if found:
        return found
    return [f"nothing was saturated during the steady window ({usage.describe()})"]
