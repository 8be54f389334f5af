"""The steps of a concurrency-steps run (closed model, ``shape = "steps"``), each as its own window.

Step i runs from ``load start + i × step_duration`` for ``step_duration``; the load starts when the
first user does (``Window.load_start_s``). The first part of each step is dropped while it settles
(``settle_fraction``, default 20 %), and a step's figures come from memload's 10 s intervals that lie
wholly inside the rest: throughput (requests ÷ the seconds those intervals cover), error rate, exact
p50/p95/p99 from the merged histograms, and the target's mean CPU over the same span. A step whose
settled part holds no whole interval has no figures, and says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from memload import names as C
from memload.analysis.figures.exact import exact_request_figures, exact_view
from memload.analysis.figures.process import process_figures
from memload.analysis.read.rundir import RunData
from memload.analysis.read.window import Window

SETTLE_FRACTION = 0.2
STEP_FIGURES = ("rps", "error_rate", "p50_ms", "p95_ms", "p99_ms", "requests")


@dataclass(frozen=True, kw_only=True)
class Step:
    index: int
    users: int
    start_unix: float  # the step's scheduled start
    settled_unix: float  # after the settling part
    end_unix: float
    figures: dict[str, float]  # "total.rps", "search.p95_ms", "target.cpu_pct", … over the settled part
    intervals: int  # whole 10 s intervals the figures come from

    def total(self, metric: str) -> float | None:
        return self.figures.get(f"total.{metric}")


def steps_of(meta: Mapping[str, Any]) -> tuple[tuple[int, ...], float]:
    """The user count of each step and the step length, from run.json's resolved scenario."""
    scenario = meta.get(C.RUN_SCENARIO) or {}
    load = scenario.get("load") if isinstance(scenario, Mapping) else None
    if not isinstance(load, Mapping) or load.get("shape") != "steps" or scenario.get("arrival"):
        return (), 0.0
    steps = tuple(int(u) for u in load.get("steps") or ())
    return steps, float(load.get("step_duration_s") or 0.0)


def _step_window(window: Window, start_unix: float, end_unix: float) -> Window:
    """A window that selects exactly the intervals wholly inside [start, end] (selection is by an
    interval's midpoint, so both ends move half an interval inwards)."""
    half = C.INTERVAL_S / 2.0
    return replace(window, warmup_s=0.0, start_unix=start_unix + half, end_unix=end_unix - half)


def step_figures(
    data: RunData, window: Window, start_unix: float, end_unix: float
) -> tuple[dict[str, float], int]:
    if data.intervals is None:
        return {}, 0
    step_window = _step_window(window, start_unix, end_unix)
    if step_window.is_empty:
        return {}, 0
    view = exact_view(data.intervals, step_window, with_series=False)
    figures = dict(exact_request_figures(view, {}).values) if view.intervals.size else {}
    if data.resources is not None and figures:
        process, _ = process_figures(
            data.resources, replace(step_window, start_unix=start_unix, end_unix=end_unix)
        )
        figures.update({k: v for k, v in process.items() if k.startswith("target.")})
    return figures, int(view.intervals.size)


def analyse_steps(data: RunData, window: Window, *, settle_fraction: float = SETTLE_FRACTION) -> list[Step]:
    """Every step of a steps run with its settled figures; [] for any other run."""
    users, step_s = steps_of(data.meta)
    if not users or step_s <= 0:
        return []
    found = []
    for index, count in enumerate(users):
        start = window.load_start_s + index * step_s
        settled, end = start + settle_fraction * step_s, start + step_s
        if settled >= window.load_end_s:
            break
        figures, intervals = step_figures(data, window, settled, min(end, window.load_end_s))
        found.append(
            Step(
                index=index,
                users=count,
                start_unix=start,
                settled_unix=settled,
                end_unix=end,
                figures=figures,
                intervals=intervals,
            )
        )
    return found
