"""Reports written while the run goes on, each in a thread of its own so the run is not held up.

Interim reports of a long run: every ``every_s`` (an hour by default) the run directory as it stands
is reported, written atomically (memload.analysis.report), so a run killed at hour 20 still has 19
hours analysed. One report at a time: when one is still being written, the next waits for the
following turn.

Web UI tests (``WebTests``): each test started in Locust's web UI writes a results directory of its
own (memload.loadgen.live.webtests lists them in ``web_tests.json``); when a new one starts, the
process monitor moves to it, and when one has been written, its run.json is closed and its report
written here, for the master to serve."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from memload import names as C
from memload.run.run_json import finish_run_info, iso_utc, write_run_info

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


class WebTests:
    """`memload run --web`'s side of the UI's tests: ``move_to`` moves the process monitor to a new
    test's directory; ``tick`` is called every second or so by the run's loop."""

    def __init__(
        self,
        first_dir: Path,
        info: dict[str, Any],
        move_to: Callable[[Path], None],
        echo: Callable[[str], None],
    ) -> None:
        self.first_dir, self.info, self.move_to, self.echo = first_dir, info, move_to, echo
        self.current = first_dir  # the directory the run's own files go to now
        self.closed: set[str] = set()
        self.threads: list[threading.Thread] = []

    def tick(self) -> None:
        for number, test in enumerate(read_tests(self.first_dir), start=1):
            run_dir = Path(test[C.WT_DIR])
            if number > 1 and not (run_dir / C.RUN_JSON).exists():
                self.current = run_dir
                self.move_to(run_dir)
                started = test[C.WT_STARTED]
                write_run_info(
                    run_dir, {**self.info, C.RUN_START_UNIX: started, C.RUN_STARTED_AT: iso_utc(started)}
                )
            if test.get(C.WT_WRITTEN) and str(run_dir) not in self.closed:
                self.closed.add(str(run_dir))
                self._close(number, run_dir, test)

    def _close(self, number: int, run_dir: Path, test: dict[str, Any]) -> None:
        info = json.loads((run_dir / C.RUN_JSON).read_text())
        finish_run_info(run_dir, info, status="completed", ended_unix_s=test[C.WT_STOPPED])
        thread = threading.Thread(
            target=self._report, args=(number, run_dir), name=f"memload-web-test-{number}", daemon=True
        )
        thread.start()
        self.threads.append(thread)

    def _report(self, number: int, run_dir: Path) -> None:
        from memload.analysis.report import ReportError, write_report

        try:
            outcome = write_report(run_dir)
        except (ReportError, OSError, ValueError) as error:
            self.echo(f"memload: test {number} in the web UI: no report: {error}")
            return
        self.echo(f"memload: test {number} in the web UI: {outcome.verdict} ({outcome.report_dir})")

    def wait(self, timeout_s: float = 120.0) -> None:
        for thread in self.threads:
            thread.join(timeout=timeout_s)


def read_tests(first_dir: Path) -> list[dict[str, Any]]:
    """The tests of a web UI session so far ([] before the first, or while the file is unreadable)."""
    try:
        tests = json.loads((first_dir / C.WEB_TESTS_JSON).read_text())
    except (OSError, ValueError):
        return []
    return tests if isinstance(tests, list) else []
