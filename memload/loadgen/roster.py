"""The master's roll of its workers (a run with workers, on this machine or others): which worker
connected from which host and when, whether it came after the test had started, the load each sent
(the sum of the requests and failures in its reports to the master), and which left while the
test ran (quit, or missing: Locust's word for 3 s without a heartbeat). Written to workers.json every few
seconds and when the master quits, atomically, so an interrupted run keeps it too."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import gevent
from locust.env import Environment
from locust.runners import STATE_MISSING, STATE_RUNNING, STATE_SPAWNING, MasterRunner

from memload import names as C

WRITE_EVERY_S = 2.0
LATE_AFTER_S = 1.0  # a worker that connects this long after the test started came late


def host_of(client_id: str) -> str:
    """Locust's client id is ``<hostname>_<32 hex digits>``."""
    host, _, suffix = client_id.rpartition("_")
    return host if host and len(suffix) == 32 else client_id


class WorkerRoster:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.workers: dict[str, dict[str, Any]] = {}
        self.test_started_unix: float | None = None

    def entry(self, client_id: str) -> dict[str, Any]:
        if client_id not in self.workers:
            self.workers[client_id] = {
                C.WK_ID: client_id,
                C.WK_HOST: host_of(client_id),
                C.WK_CONNECTED_UNIX: None,
                C.WK_LATE: False,
                C.WK_REQUESTS: 0,
                C.WK_FAILURES: 0,
                C.WK_LAST_REPORT_UNIX: None,
                C.WK_GONE_UNIX: None,
            }
        return self.workers[client_id]

    def connected(self, client_id: str, now: float) -> None:
        entry = self.entry(client_id)
        entry[C.WK_CONNECTED_UNIX] = round(now, 3)
        entry[C.WK_GONE_UNIX] = None
        started = self.test_started_unix
        entry[C.WK_LATE] = started is not None and now > started + LATE_AFTER_S

    def reported(self, client_id: str, data: dict[str, Any], now: float) -> None:
        entry = self.entry(client_id)
        total = data.get("stats_total") or {}
        entry[C.WK_REQUESTS] += int(total.get("num_requests", 0) or 0)
        entry[C.WK_FAILURES] += int(total.get("num_failures", 0) or 0)
        entry[C.WK_LAST_REPORT_UNIX] = round(now, 3)

    def notice_gone(self, runner: MasterRunner, now: float) -> None:
        """Workers that left while the test ran: quit (a SIGTERM), or missing (no heartbeat)."""
        if runner.state not in (STATE_RUNNING, STATE_SPAWNING):
            return  # at the end of a run the master tells every worker to quit
        present = {node.id: node for node in runner.clients.all}
        for client_id, entry in self.workers.items():
            node = present.get(client_id)
            if (node is None or node.state == STATE_MISSING) and entry[C.WK_GONE_UNIX] is None:
                entry[C.WK_GONE_UNIX] = round(now, 3)

    def write(self) -> None:
        temporary = self.path.with_name(self.path.name + ".tmp")
        entries = sorted(self.workers.values(), key=lambda e: e[C.WK_ID])
        temporary.write_text(json.dumps(entries, indent=1) + "\n")
        os.replace(temporary, self.path)


def install_roster(environment: Environment, run_dir: Path) -> WorkerRoster:
    """Keep the roster of this master's workers in ``run_dir``/workers.json."""
    runner = environment.runner
    assert isinstance(runner, MasterRunner)
    roster = WorkerRoster(run_dir / C.WORKERS_JSON)
    events = environment.events

    def test_start(**_: Any) -> None:
        if roster.test_started_unix is None:
            roster.test_started_unix = time.time()

    events.test_start.add_listener(test_start)
    events.worker_connect.add_listener(lambda client_id, **_: roster.connected(client_id, time.time()))
    events.worker_report.add_listener(lambda client_id, data: roster.reported(client_id, data, time.time()))

    def keep_writing() -> None:
        while True:
            gevent.sleep(WRITE_EVERY_S)
            roster.notice_gone(runner, time.time())
            roster.write()

    writer = gevent.spawn(keep_writing)

    def quit(**_: Any) -> None:
        writer.kill(block=False)
        roster.notice_gone(runner, time.time())
        roster.write()

    events.quit.add_listener(quit)
    return roster
