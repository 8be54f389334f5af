"""The checks in a Locust process: the checked operations for the locustfile, worker reports to
the master, and the results files (memload.names: checks_counts.csv, checks_histograms.csv,
checks_violations.jsonl, checks_writes.csv) written by the master or a lone process."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import gevent
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from memload import names as C
from memload.checks.operations import Checker, checked_operations
from memload.checks.rw import Poller
from memload.checks.state import CheckState, CheckWriter
from memload.loadgen.histograms import INTERVAL_S, interval_of
from memload.loadgen.users import Operation
from memload.scenario import Scenario

PAYLOAD_KEY = "memload_checks"
FLUSH_EVERY_S = 5.0
FLUSH_LAG_S = INTERVAL_S + 8.0  # as the recorder's: an interval is complete well before this


def checker_for(scenario: Scenario) -> Checker | None:
    """This process's checker, or None when the scenario checks nothing."""
    options = scenario.checks
    if not options.get("enabled"):
        return None
    checker = Checker(scenario, CheckState(max_examples=int(options["isolation_examples"])))
    if "rw_lag" in checker.enabled:
        checker.poller = Poller(
            checker.state,
            interval_s=float(options["rw_poll_interval_s"]),
            limit_s=float(options["rw_limit_s"]),
            max_pollers=int(options["rw_max_pollers"]),
            max_rate=float(options["rw_max_rate"]),
        )
    return checker


def operations_for(checker: Checker | None, operations: dict[str, Operation]) -> dict[str, Operation]:
    return operations if checker is None else checked_operations(operations, checker)


def install(environment: Environment, checker: Checker | None) -> None:
    if checker is None:
        return
    state, runner = checker.state, environment.runner
    if isinstance(runner, WorkerRunner):

        def report(client_id: str, data: dict[str, Any]) -> None:
            data[PAYLOAD_KEY] = state.drain()

        environment.events.report_to_master.add_listener(report)
        return
    if isinstance(runner, MasterRunner):

        def merge(client_id: str, data: dict[str, Any]) -> None:
            state.merge(data.get(PAYLOAD_KEY) or {})

        environment.events.worker_report.add_listener(merge)
    run_dir = os.environ.get(C.RUN_DIR_ENV)
    if not run_dir:
        return
    writer = CheckWriter(Path(run_dir))

    def flush_closed() -> None:
        while True:
            gevent.sleep(FLUSH_EVERY_S)
            writer.write(state.pop_closed(interval_of(time.time() - FLUSH_LAG_S)))

    flusher = gevent.spawn(flush_closed)

    def flush_all(**_: Any) -> None:  # after the master's final collection of worker reports
        flusher.kill(block=False)
        writer.write(state.pop_closed(None))

    environment.events.quit.add_listener(flush_all)
