"""Hook for LLM streaming figures and plots (``llm_chat.ttft_p95_ms``, ``output_tokens_per_s``,
time to first token and tokens/s over time). The file they come from is written by a later issue;
until then these return nothing, so the figures are absent from summary.json and a threshold on
them fails with measured "n/a"."""
from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from memload.analysis.series import TimeAxis
from memload.analysis.thresholds import Threshold
from memload.analysis.window import Window


def llm_figures(run_dir: Path, window: Window) -> dict[str, float]:
    """LLM figures by address over the steady window (none yet: no data file exists)."""
    return {}


def llm_plots(run_dir: Path, axis: TimeAxis, window: Window,
              thresholds: list[Threshold]) -> list[tuple[str, str, Figure]]:
    """(file name, title, figure) of the LLM plots: TTFT and tokens/s over time (none yet)."""
    return []
