"""The whole run in memload's exact figures, for the table ``memload run`` prints at its end:
every interval of ``hdr_histograms.csv`` / ``interval_counts.csv`` (no warm-up cut), rates over
the seconds of load. Reads only what it needs (not the monitor files), so it is quick."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from memload import names as C
from memload.analysis.figures.exact import ExactView, exact_request_figures, exact_view
from memload.analysis.figures.requests import RequestFigures
from memload.analysis.read.csvread import CsvSpec, read_csv
from memload.analysis.read.intervals import load_interval_files
from memload.analysis.read.rundir import load_meta
from memload.analysis.read.window import Window, load_span_of

_LOAD_SPEC = CsvSpec(file_name=C.HISTORY_CSV, numeric=(C.HIST_TIMESTAMP, C.HIST_USERS))


def _number(meta: dict, key: str) -> float | None:
    value = meta.get(key)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def whole_run_window(run_dir: Path, interval_starts: np.ndarray) -> Window:
    """A window holding every interval; the load's span from the history (else the intervals)."""
    meta = load_meta(run_dir)
    first, last = float(interval_starts.min()), float(interval_starts.max()) + C.INTERVAL_S
    history = read_csv(run_dir, _LOAD_SPEC, [])
    load_start, load_end = first, last
    if history is not None and not history.frame.empty:
        times = history.frame[C.HIST_TIMESTAMP].to_numpy()
        load_start, load_end = load_span_of(times, history.frame[C.HIST_USERS].to_numpy()) or (
            float(times.min()),
            float(times.max()) + 1.0,
        )
    run_start = _number(meta, C.RUN_START_UNIX) or load_start
    run_end = _number(meta, C.RUN_END_UNIX) or load_end
    load_start, load_end = max(load_start, run_start), min(load_end, run_end)
    return Window(
        run_start_unix=run_start,
        run_end_unix=run_end,
        warmup_s=0.0,
        start_unix=first,
        end_unix=last,
        load_start_unix=load_start,
        load_end_unix=load_end,
    )


def whole_run_figures(run_dir: Path) -> tuple[RequestFigures, ExactView] | None:
    """Exact whole-run request figures, or None when the run has no memload interval files."""
    files = load_interval_files(Path(run_dir), [])
    if files is None:
        return None
    window = whole_run_window(Path(run_dir), files.counts[C.IC_INTERVAL].to_numpy(dtype=float))
    view = exact_view(files, window, with_series=False)
    return exact_request_figures(view, {}), view
