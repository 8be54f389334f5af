"""The Locust-only source of request figures: a plain Locust ``--csv`` directory (run.json and
Locust's CSVs, without memload's ``hdr_histograms.csv`` and ``interval_counts.csv``), or a memload
run whose own files are missing or unusable. Figures come from ``locust_stats_history.csv``
(``figures.requests``) with percentiles from ``figures.percentiles``: Locust's rounded ones, since
Locust keeps every response time rounded to about 2 significant digits (147 ms as 150, 3432 ms as
3400), and, with a warm-up, approximate too. What the reports say about this source is here;
``figures.source`` is where the rest of analysis asks which source a run has."""

from __future__ import annotations

from memload import names as C
from memload.analysis.figures.percentiles import METHOD_WHOLE_RUN
from memload.analysis.figures.requests import RequestFigures, percentile_warning, request_figures
from memload.analysis.read.rundir import RunData
from memload.analysis.read.window import Window

NAME = "locust_only"
ROUNDED = "Locust's rounded percentiles"
DIGITS = "about 2 significant digits"


def rounded_warning() -> str:
    """The warning every Locust-only report carries (report.html, report.md, summary.json)."""
    return (
        f"{ROUNDED}: this run has no usable {C.HDR_CSV} / {C.COUNTS_CSV}, so its request figures come "
        f"from Locust's CSVs, whose response times Locust rounds to {DIGITS} (147 ms becomes 150)"
    )


def locust_request_figures(data: RunData, window: Window, warnings: list[str]) -> RequestFigures:
    """Request figures of every Locust request Name and ``total`` over the steady window."""
    requests = request_figures(
        history=data.history,
        stats=data.stats,
        window=window,
        history_columns=data.history_percentiles,
        stats_columns=data.stats_percentiles,
    )
    if requests.window_rows_s is None and not window.is_empty:
        warnings.append(f"{C.HISTORY_CSV} has no rows inside the steady window; request figures are absent")
    warnings.append(rounded_warning())
    approximate = percentile_warning(requests)
    warnings.extend([approximate] if approximate else [])
    return requests


def locust_note(requests: RequestFigures) -> str:
    """The sentence above the operations table."""
    if requests.percentile_methods == {METHOD_WHOLE_RUN}:
        return f"From Locust's CSVs (no memload histograms): {ROUNDED} of the whole run ({DIGITS})."
    return (
        f"From Locust's CSVs (no memload histograms): {ROUNDED} ({DIGITS}), approximate too: a mix "
        "of Locust's 10 s history snapshots."
    )
