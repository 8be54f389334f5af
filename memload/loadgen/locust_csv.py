"""Locust's own CSV files, brought up to date when its process quits.

Locust 2.47 (pinned) rewrites ``*_stats.csv``, ``*_failures.csv`` and ``*_exceptions.csv`` and appends
to ``*_stats_history.csv`` once a second (``StatsCSVFileWriter.stats_writer``), and only closes the
files when it quits. A run stopped by a signal therefore lost up to a second of requests from Locust's
files (1,722 requests in ``locust_stats.csv`` against 1,855 in Locust's own final summary and in
memload's histograms). ``write_final_rows`` runs on Locust's quit event, after the workers' final
reports, and writes every file once more from the final statistics.

Locust keeps its writer in a local variable of its ``main()`` (not on the environment), made after the
locustfile is imported and before the init event; so importing this module (the locustfile does, through
the recorder) wraps ``StatsCSVFileWriter.__init__`` to remember the writer this process makes.
"""

from __future__ import annotations

import csv as csv_module
import time
from pathlib import Path
from typing import Any

from locust.stats import StatsCSVFileWriter

_writers: list[StatsCSVFileWriter] = []


def _remember_writers() -> None:
    original = StatsCSVFileWriter.__init__
    if getattr(original, "memload_remembers", False):
        return

    def remembering_init(self: StatsCSVFileWriter, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        _writers.append(self)

    remembering_init.memload_remembers = True  # type: ignore[attr-defined]
    StatsCSVFileWriter.__init__ = remembering_init  # type: ignore[method-assign]


_remember_writers()


def _rewrite(handle: Any, writer: Any, header: list[str], write_rows: Any) -> None:
    """A whole-run file: its header and the current rows, nothing left of an earlier write."""
    handle.seek(0)
    writer.writerow(header)
    write_rows(writer)
    handle.truncate()


def write_final_rows() -> None:
    """One last write of Locust's CSV files (a no-op without ``--csv``)."""
    if not _writers:
        return
    csv = _writers[-1]
    _rewrite(
        csv.requests_csv_filehandle,
        csv.requests_csv_writer,
        csv.requests_csv_columns,
        csv._requests_data_rows,
    )
    _rewrite(
        csv.failures_csv_filehandle, csv.failures_csv_writer, csv.failures_columns, csv._failures_data_rows
    )
    _rewrite(
        csv.exceptions_csv_filehandle,
        csv.exceptions_csv_writer,
        csv.exceptions_columns,
        csv._exceptions_data_rows,
    )
    history = csv.stats_history_csv_filehandle
    if history.tell() == 0:  # stopped before Locust's writer wrote even the header
        csv.stats_history_csv_writer.writerow(csv.stats_history_csv_columns)
    csv._stats_history_data_rows(csv.stats_history_csv_writer, time.time())
    for handle in (csv.requests_csv_filehandle, history, csv.failures_csv_filehandle):
        handle.flush()
    csv.exceptions_csv_filehandle.flush()


def move_to(run_dir: Path) -> None:
    """Locust's CSV files from now on in ``run_dir`` (a new test in the web UI): the old files are
    closed as they are, the new ones start with their headers. Locust's writer loop keeps the offset
    after each header in a local variable; the headers are the same, so the offsets stay right."""
    if not _writers:
        return
    csv = _writers[-1]
    csv.base_filepath = str(run_dir / Path(csv.base_filepath).name)
    base = csv.base_filepath
    pairs = (
        ("requests_csv_filehandle", "requests_csv_writer", base + "_stats.csv", csv.requests_csv_columns),
        ("stats_history_csv_filehandle", "stats_history_csv_writer", csv.stats_history_file_name(), None),
        ("failures_csv_filehandle", "failures_csv_writer", base + "_failures.csv", csv.failures_columns),
        (
            "exceptions_csv_filehandle",
            "exceptions_csv_writer",
            base + "_exceptions.csv",
            csv.exceptions_columns,
        ),
    )
    for handle_name, writer_name, path, header in pairs:
        getattr(csv, handle_name).close()
        handle = open(path, "w")  # noqa: SIM115 - Locust's writer owns it from here
        writer = csv_module.writer(handle)
        writer.writerow(header or csv.stats_history_csv_columns)
        setattr(csv, handle_name, handle)
        setattr(csv, writer_name, writer)
