"""Where a run's request figures come from, decided once per run. Every part of analysis that
differs between the two sources asks the run's ``RequestSource`` (``Analysis.source``):

- ``MemloadFiles``: memload's own ``hdr_histograms.csv`` and ``interval_counts.csv`` (every run
  memload makes): exact percentiles from the merged histograms, complete counts (figures.exact);
  the request plots draw from the same files.
- ``LocustOnly``: a plain Locust ``--csv`` directory, or a run whose memload files are missing or
  unusable: Locust's CSVs, with Locust's rounded percentiles (figures.locust_only); the request
  plots draw from ``locust_stats_history.csv``.

Users, process and cache figures do not depend on the source."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from memload import names as C
from memload.analysis.figures.exact import (
    ExactView,
    exact_request_figures,
    view_warnings,
    window_note,
)
from memload.analysis.figures.llm import TokenSource, llm_breakdowns, llm_scopes, token_source
from memload.analysis.figures.locust_only import NAME as LOCUST_ONLY
from memload.analysis.figures.locust_only import locust_note, locust_request_figures
from memload.analysis.figures.requests import RequestFigures, locust_types
from memload.analysis.read.rundir import RunData
from memload.analysis.read.window import Window

MEMLOAD_FILES = "memload_files"


class RequestSource(ABC):
    """What the figures, reports and plots ask about the source of a run's request figures."""

    name: str
    view: ExactView | None = None  # memload's histograms and counters over the window

    @property
    def locust_only(self) -> bool:
        return self.view is None

    @abstractmethod
    def request_figures(self, data: RunData, window: Window, warnings: list[str]) -> RequestFigures:
        """Request figures of every operation and ``total`` over the steady window."""

    @abstractmethod
    def note(self, requests: RequestFigures, window: Window) -> str:
        """One sentence, above the operations table, on where its figures come from."""

    @property
    def open_model(self) -> bool:
        """Queue times or dropped arrivals were recorded (only memload's files record them)."""
        return False

    def llm_scopes(self) -> list[str]:
        """Scopes with streamed LLM requests (only memload's files record them)."""
        return []

    def llm_breakdowns(self) -> list[str]:
        """LLM figures per model and by cache answer (``llm_chat|model=gpt-4``)."""
        return []

    def counters(self, scope: str) -> dict[str, float]:
        """``interval_counts.csv``'s counters of a scope summed over the window."""
        return {}

    def token_source(self) -> TokenSource | None:
        """Where output token counts came from, when the run streamed chat."""
        return None

    def window_keys(self) -> dict[str, Any]:
        """Extra keys of summary.json's ``window``."""
        return {}

    def metadata_rows(self, window: Window) -> list[list[str]]:
        """Extra rows of the report's metadata table."""
        return []


class LocustOnly(RequestSource):
    name = LOCUST_ONLY

    def request_figures(self, data: RunData, window: Window, warnings: list[str]) -> RequestFigures:
        return locust_request_figures(data, window, warnings)

    def note(self, requests: RequestFigures, window: Window) -> str:
        return locust_note(requests)


class MemloadFiles(RequestSource):
    name = MEMLOAD_FILES
    view: ExactView

    def __init__(self, view: ExactView) -> None:
        self.view = view

    def request_figures(self, data: RunData, window: Window, warnings: list[str]) -> RequestFigures:
        warnings.extend(view_warnings(self.view, window))
        return exact_request_figures(self.view, locust_types(data.history))

    def note(self, requests: RequestFigures, window: Window) -> str:
        return (
            "Exact: percentiles, mean and max from memload's HDR histograms (3 significant digits) merged "
            f"over the steady window's intervals ({window_note(self.view, window)}); requests, failures, "
            "rates from interval_counts.csv."
        )

    @property
    def open_model(self) -> bool:
        return self.view.open_model

    def llm_scopes(self) -> list[str]:
        return llm_scopes(self.view)

    def llm_breakdowns(self) -> list[str]:
        return llm_breakdowns(self.view)

    def counters(self, scope: str) -> dict[str, float]:
        return self.view.counts.get(scope, {})

    def token_source(self) -> TokenSource | None:
        return token_source(self.view) if self.llm_scopes() else None

    def window_keys(self) -> dict[str, Any]:
        return {
            "intervals": [float(i) for i in self.view.intervals],
            "interval_s": C.INTERVAL_S,
            "covered_s": self.view.covered_s,
        }

    def metadata_rows(self, window: Window) -> list[list[str]]:
        return [["intervals", window_note(self.view, window)]]


def source_of(view: ExactView | None) -> RequestSource:
    """The source of a run: memload's files when they gave a view of the window, else Locust's."""
    return LocustOnly() if view is None else MemloadFiles(view)
