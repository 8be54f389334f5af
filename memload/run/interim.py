"""Interim reports while a long run goes on: every ``every_s`` (an hour by default) the run directory
as it stands is reported, in a thread of its own so the run is not held up, and written atomically
(memload.analysis.report), so a run killed at hour 20 still has 19 hours analysed. One report at a
time: when one is still being written, the next waits for the following turn."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

DEFAULT_EVERY_S = 3600.0


class InterimReports:
    def __init__(self, run_dir: Path, every_s: float, echo: Callable[[str], None]) -> None:
        self.run_dir, self.every_s, self.echo = run_dir, every_s, echo
        self.next_at = time.monotonic() + every_s if every_s > 0 else float("inf")
        self.thread: threading.Thread | None = None
        self.written = 0

    def tick(self) -> None:
        """Start an interim report when one is due and none is being written."""
        if time.monotonic() < self.next_at or (self.thread is not None and self.thread.is_alive()):
            return
        self.next_at += self.every_s
        self.thread = threading.Thread(target=self._write, name="memload-interim-report", daemon=True)
        self.thread.start()

    def _write(self) -> None:
        from memload.analysis.report import ReportError, write_report

        try:
            outcome = write_report(self.run_dir)
        except (ReportError, OSError, ValueError) as error:  # a file caught mid-write: next turn
            self.echo(f"memload: interim report skipped: {error}")
            return
        self.written += 1
        self.echo(f"memload: interim report {self.written}: {outcome.verdict} so far ({outcome.report_dir})")

    def wait(self, timeout_s: float = 120.0) -> None:
        """Let an interim report being written finish before the final one."""
        if self.thread is not None:
            self.thread.join(timeout=timeout_s)
