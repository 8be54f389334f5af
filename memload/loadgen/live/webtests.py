"""Each test started in Locust's web UI gets a results directory of its own, written when the test
stops (by the user's Stop button, the load shape's end, or an abort_on_fail threshold).

The first test writes into the run's directory; the next ones into ``<first dir>-test2``, ``-test3``...
beside it, each with its own memload CSVs, Locust CSVs (Locust clears its statistics when a test
starts) and scenario.json. ``web_tests.json`` in the first directory lists them; `memload run`
(memload.run.webtests) reads it to move its process monitor along, close each directory's run.json
and write its report, which the master serves (``/memload/reports``, linked from Locust's Download
Data tab).

When a test stops, the master waits for its workers' last reports (they report every 3 s) before
it writes the test's last intervals; a test started in that wait closes the previous one at once.
"""

from __future__ import annotations

import html
import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gevent
from locust.env import Environment
from locust.runners import WORKER_REPORT_INTERVAL, MasterRunner

from memload import names as C
from memload.loadgen import locust_csv

SETTLE_S = WORKER_REPORT_INTERVAL + 1.0  # a worker's last report arrives within one interval


class WebTests:
    """The tests of one web UI session, as seen by the master (or the lone Locust process)."""

    def __init__(
        self,
        environment: Environment,
        first_dir: Path,
        *,
        move_to: Callable[[Path], None],
        flush: Callable[[], None],
    ) -> None:
        self.first_dir = first_dir
        self.move_to, self.flush = move_to, flush  # the recorder's: write here now; write what is left
        self.settle_s = SETTLE_S if isinstance(environment.runner, MasterRunner) else 0.0
        self.tests: list[dict[str, Any]] = []
        self.closing: gevent.Greenlet | None = None
        environment.events.test_start.add_listener(self.test_start)
        environment.events.test_stop.add_listener(self.test_stop)

    @property
    def index_path(self) -> Path:
        return self.first_dir / C.WEB_TESTS_JSON

    def test_start(self, **_: Any) -> None:
        if self.closing is not None:  # started again before the last one was written: write it now
            self.closing.kill(block=True)
            self._close()
        if self.tests:
            run_dir = self.first_dir.with_name(f"{self.first_dir.name}-test{len(self.tests) + 1}")
            run_dir.mkdir(exist_ok=True)
            shutil.copyfile(self.first_dir / C.SCENARIO_JSON, run_dir / C.SCENARIO_JSON)
            self.move_to(run_dir)
            locust_csv.move_to(run_dir)
        else:
            run_dir = self.first_dir
        self.tests.append({C.WT_DIR: str(run_dir), C.WT_STARTED: time.time(), C.WT_STOPPED: None})
        self._write_index()

    def test_stop(self, **_: Any) -> None:
        if not self.tests or self.tests[-1][C.WT_STOPPED] is not None:
            return
        self.tests[-1][C.WT_STOPPED] = time.time()
        self._write_index()
        self.closing = gevent.spawn_later(self.settle_s, self._close)

    def _close(self) -> None:
        self.closing = None
        if not self.tests or self.tests[-1].get(C.WT_WRITTEN):
            return
        self.flush()
        self.tests[-1][C.WT_WRITTEN] = True
        self._write_index()

    def _write_index(self) -> None:
        partial = self.index_path.with_suffix(".part")
        partial.write_text(json.dumps(self.tests, indent=1) + "\n")
        partial.replace(self.index_path)


REPORTS_PATH = "/memload/reports"


def serve_reports(environment: Environment, tests: WebTests) -> None:
    """The reports of this UI's tests, served by the master's web UI: an index at /memload/reports
    (linked from Locust's Download Data tab) and each test's report folder below it."""
    web_ui = environment.web_ui
    if web_ui is None or web_ui.app is None:
        return
    from flask import abort, send_from_directory

    web_ui.template_args.setdefault("extended_csv_files", []).append(
        {"href": f".{REPORTS_PATH}", "title": "memload reports (report.html of each test)"}
    )

    def index() -> tuple[str, int, dict[str, str]]:
        return _index_html(tests.tests), 200, {"Content-Type": "text/html; charset=utf-8"}

    def report_file(number: int, file: str) -> Any:
        if not 1 <= number <= len(tests.tests):
            abort(404)
        return send_from_directory(Path(tests.tests[number - 1][C.WT_DIR]) / C.REPORT_DIR, file)

    web_ui.app.add_url_rule(REPORTS_PATH, "memload_reports", index)
    web_ui.app.add_url_rule(f"{REPORTS_PATH}/<int:number>/<path:file>", "memload_report_file", report_file)


def _index_html(tests: list[dict[str, Any]]) -> str:
    rows = []
    for number, test in enumerate(tests, start=1):
        run_dir = Path(test[C.WT_DIR])
        ready = (run_dir / C.REPORT_DIR / C.REPORT_HTML).is_file()
        if test[C.WT_STOPPED] is None:
            state = "running"
        elif ready:
            state = f'<a href="reports/{number}/{C.REPORT_HTML}">report.html</a>'
        else:
            state = "stopped; the report is being written (this page refreshes)"
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(test[C.WT_STARTED]))
        cells = (str(number), f"{started} UTC", html.escape(str(run_dir)), state)
        rows.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    pending = any(not (Path(t[C.WT_DIR]) / C.REPORT_DIR / C.REPORT_HTML).is_file() for t in tests)
    refresh = '<meta http-equiv="refresh" content="3">' if pending else ""
    return (
        f"<!doctype html><html><head><meta charset='utf-8'>{refresh}<title>memload reports</title></head>"
        "<body><h1>memload: the tests of this web UI</h1><table border='1' cellpadding='4'>"
        "<tr><th>test</th><th>started</th><th>results directory</th><th>report</th></tr>"
        + "".join(rows)
        + "</table></body></html>"
    )
