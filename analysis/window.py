"""The steady window of a run: ``[start_unix + warmup_s, end_unix]`` from run.json, falling back
to the first and last history timestamps when run.json lacks them."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from memload.analysis import columns as C


@dataclass(frozen=True, kw_only=True)
class Window:
    run_start_unix: float
    run_end_unix: float
    warmup_s: float
    start_unix: float  # steady start: run start + warm-up
    end_unix: float

    @property
    def duration_s(self) -> float:
        return max(0.0, self.end_unix - self.start_unix)

    @property
    def run_duration_s(self) -> float:
        return max(0.0, self.run_end_unix - self.run_start_unix)

    @property
    def is_empty(self) -> bool:
        return self.end_unix <= self.start_unix


def _number(meta: Mapping[str, Any], key: str) -> float | None:
    value = meta.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def steady_window(meta: Mapping[str, Any], history_timestamps: np.ndarray,
                  warnings: list[str]) -> Window:
    """The run and steady windows; warnings say what was guessed or excluded."""
    first_s = float(np.min(history_timestamps))
    last_s = float(np.max(history_timestamps))
    start = _number(meta, C.RUN_START_UNIX)
    end = _number(meta, C.RUN_END_UNIX)
    if start is None:
        warnings.append(f"{C.RUN_JSON} has no {C.RUN_START_UNIX}: run start taken from the first history row")
        start = first_s
    if end is None:
        warnings.append(f"{C.RUN_JSON} has no {C.RUN_END_UNIX}: run end taken from the last history row")
        end = last_s + 1.0
    warmup_s = _number(meta, C.RUN_WARMUP_S) or 0.0
    if warmup_s < 0:
        warnings.append(f"{C.RUN_JSON}: negative {C.RUN_WARMUP_S} ({warmup_s:g}) treated as 0")
        warmup_s = 0.0
    window = Window(run_start_unix=start, run_end_unix=end, warmup_s=warmup_s,
                    start_unix=start + warmup_s, end_unix=end)
    if warmup_s > 0:
        warnings.append(f"warm-up excluded: the first {warmup_s:g} s of the run are not in the figures or thresholds")
    if window.is_empty:
        warnings.append(f"steady window is empty: warm-up {warmup_s:g} s >= run length {window.run_duration_s:.1f} s")
    return window
