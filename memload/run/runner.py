"""One run of a scenario: target (started or named), Locust processes, monitor, results directory.

The order matters: check the host before making anything; make the directory and run.json; start
the target and the monitor; start Locust; wait for the shape to end, the user to stop it, or the
watchdog; stop Locust first (it writes its CSVs on SIGTERM), then the monitor and the target; close
run.json; then the summary table and the report.
"""

from __future__ import annotations

import json
import shutil
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from memload import names as C
from memload.checks.audit import audited
from memload.monitor.sampling import MetricsScraper, ReachabilityWatch, ResourceSampler
from memload.monitor.setup import start_monitoring
from memload.run import workers as run_workers
from memload.run.console import print_progress, print_summary
from memload.run.disk import check_disk
from memload.run.interim import DEFAULT_EVERY_S, InterimReports, WebTests
from memload.run.locust_command import WATCHDOG_GRACE_S, Distributed, LocustPlan
from memload.run.processes import (
    Child,
    HarnessError,
    PreflightFailed,
    check_reachable,
    child_env,
    free_port,
    preflight,
    spawn,
    start_reference_target,
)
from memload.run.run_json import build_run_info, finish_run_info, make_run_dir, write_run_info
from memload.run.signals import stop_signals
from memload.scenario import Scenario

DEFAULT_TARGET_DOWN_LIMIT_S = 300.0
PROGRESS_EVERY_S = 10.0


@dataclass(frozen=True, kw_only=True)
class RunRequest:
    scenario: Scenario
    host: str | None = None
    workers: int = 0
    web: bool = False
    web_port: int = 8089
    tag: str | None = None
    out: Path = Path("results")
    arguments: dict[str, Any] = field(default_factory=dict)
    quiet: bool = False
    interim_report_s: float = DEFAULT_EVERY_S  # 0: none
    target_down_limit_s: float = DEFAULT_TARGET_DOWN_LIMIT_S  # the run ends after this long unreachable
    distributed: Distributed | None = None  # `memload master`: workers connect from elsewhere
    metrics_port: int | None = None  # the live Prometheus endpoint (memload.loadgen.live.metrics)
    preflight: bool = True  # one request of each operation before the load (memload.adapters.preflight)


@dataclass(kw_only=True)
class RunOutcome:
    run_dir: Path
    status: str  # completed | interrupted | failed
    message: str = ""
    lost_workers: list[dict[str, Any]] = field(default_factory=list)


def execute(
    request: RunRequest,
    *,
    echo: Callable[[str], None] = print,
    interrupted: threading.Event | None = None,
) -> RunOutcome:
    """``interrupted``: set by a signal that came before the run could stop in order (no load starts)."""
    if request.host is not None:
        check_reachable(request.host)
    started = time.time()
    try:
        run_dir = make_run_dir(request.out, request.scenario.name, request.tag, started)
    except OSError as error:
        raise HarnessError(
            f"cannot make the results directory under {request.out}: {error.strerror or error}"
        ) from None
    try:
        check_disk(request.scenario, workers=request.workers, out=request.out)
    except HarnessError:
        run_dir.rmdir()  # nothing was written: leave nothing behind
        raise
    info = build_run_info(
        scenario=request.scenario,
        arguments=request.arguments,
        host=request.host or "(reference target)",
        target_started=request.host is None,
        workers=request.workers,
        started_unix_s=started,
    )
    write_run_info(run_dir, info)
    with stop_signals() as stop:
        if interrupted is not None and interrupted.is_set():
            stop.set()
        session = _Session(request, run_dir, stop, echo, info)
        status, message = "failed", "memload stopped on an internal error"
        try:
            status, message = session.run(info)
        except PreflightFailed:
            session.close()
            shutil.rmtree(run_dir, ignore_errors=True)  # no load ran: nothing to keep
            raise
        except HarnessError as error:
            status, message = "failed", str(error)
        finally:
            if run_dir.exists():
                session.close()
                first_dir, run_dir = run_dir, session.run_dir  # differ after several tests in the web UI
                if run_dir != first_dir:  # the last test's own run.json
                    info = json.loads((run_dir / C.RUN_JSON).read_text())
                info.update(
                    run_workers.final_facts(
                        first_dir,
                        run_dir,
                        lost=session.lost_workers(),
                        workers=request.workers,
                        far=request.distributed is not None,
                        started_unix_s=started,
                    )
                )
                finish_run_info(run_dir, info, status=status)  # run.json is closed, whatever happened
    if (run_dir / C.STATS_CSV).exists():
        print_summary(run_dir, echo=echo)
    return RunOutcome(run_dir=run_dir, status=status, message=message, lost_workers=info[C.RUN_LOST_WORKERS])


class _Session:
    def __init__(
        self,
        request: RunRequest,
        run_dir: Path,
        stop: threading.Event,
        echo: Callable[[str], None],
        info: dict[str, Any],
    ) -> None:
        self.request, self.run_dir, self.stop, self.echo = request, run_dir, stop, echo
        self.children: list[Child] = []
        self.target: Child | None = None
        self.sampler = ResourceSampler(run_dir / C.RESOURCES_CSV)
        self.scraper: MetricsScraper | None = None
        self.watch: run_workers.WorkerWatch | None = None
        self.reachability: ReachabilityWatch | None = None
        self.interim = InterimReports(run_dir, request.interim_report_s, echo)
        self.web_tests = WebTests(run_dir, info, self.move_to, echo) if request.web else None

    def move_to(self, run_dir: Path) -> None:
        """A new test in the web UI: the run's own files go to its directory from now on."""
        self.run_dir = self.interim.run_dir = run_dir
        self.sampler.move_to(run_dir)
        if self.scraper is not None:
            self.scraper.move_to(run_dir)

    def lost_workers(self) -> list[dict[str, Any]]:
        return [] if self.watch is None else self.watch.lost

    def run(self, info: dict[str, Any]) -> tuple[str, str]:
        scenario = self.request.scenario
        host = self.request.host
        if host is None:
            self.target, host = start_reference_target(
                scenario.reference, seed=scenario.seed, run_dir=self.run_dir
            )
            self.sampler.watch("target", self.target.pid)
            info["host"] = host
            write_run_info(self.run_dir, info)
        if self.request.preflight and self.request.host is not None:  # not memload's own target
            preflight(self.request.scenario, host, echo=self.echo)
        self.scraper = start_monitoring(self.sampler, scenario.monitor, host, self.run_dir)
        self.reachability = ReachabilityWatch(host)
        self.reachability.start()
        if self.stop.is_set():
            return "interrupted", "stopped by a signal before the load started"
        plan = self._plan(host)
        self._start_locust(plan)
        return audited(self._wait(plan), self.request.scenario, host, self.run_dir, self.stop, self.echo)

    def _plan(self, host: str) -> LocustPlan:
        request = self.request
        plan = LocustPlan(
            host=host,
            run_dir=self.run_dir,
            workers=request.workers,
            web=request.web,
            web_port=request.web_port,
            master_port=free_port() if request.workers else 0,
            run_time_s=None if request.web else request.scenario.load.duration_s + WATCHDOG_GRACE_S,
        )
        if request.distributed is None:
            return plan
        return request.distributed.plan(plan, host=host, load_s=request.scenario.load.duration_s)

    def _start_locust(self, plan: LocustPlan) -> None:
        scenario_file = self.run_dir / C.SCENARIO_JSON
        scenario_file.write_text(json.dumps(self.request.scenario.to_dict(), indent=1) + "\n")
        env = child_env(plan.environment(scenario_file, metrics_port=self.request.metrics_port))
        main = spawn(plan.main_role(), plan.main_argv(), log_path=self.run_dir / C.LOCUST_LOG, env=env)
        main.stop_signal = signal.SIGINT
        self.children.append(main)
        self.sampler.watch(main.role, main.pid)
        for index in range(1, plan.workers + 1 if plan.local_workers else 1):
            worker = spawn(
                f"locust-worker-{index}",
                plan.worker_argv(),
                log_path=self.run_dir / f"locust-worker-{index}.log",
                env=env,
            )
            self.children.append(worker)
            self.sampler.watch(worker.role, worker.pid)
        now = time.time()
        load_ends = None if plan.web else now + self.request.scenario.load.duration_s
        self.watch = run_workers.WorkerWatch(
            workers=self.children[1:], started_unix_s=now, load_ends_unix=load_ends
        )
        if plan.web:
            self.echo(
                f"Locust web UI: http://{plan.bind}:{plan.web_port} (start and stop tests there: each "
                "stopped test writes its results directory and report, linked from the UI's Download "
                "Data tab; press Ctrl-C here to end)"
            )

    def _wait(self, plan: LocustPlan) -> tuple[str, str]:
        main = self.children[0]
        deadline = (
            None
            if plan.web
            else time.monotonic()
            + self.request.scenario.load.duration_s
            + 2 * WATCHDOG_GRACE_S
            + (0.0 if plan.local_workers else plan.worker_wait_s)
        )
        next_progress = time.monotonic() + PROGRESS_EVERY_S
        while main.running():
            if self.stop.wait(0.2):
                # In the web UI, Ctrl-C is how a user who stopped the test there finishes the run.
                return ("completed", "") if plan.web else ("interrupted", "stopped by a signal")
            if deadline is not None and time.monotonic() > deadline:
                return "failed", "Locust did not finish in time; stopped by the watchdog"
            self._report_lost_workers()
            self.interim.tick()
            if self.web_tests is not None:
                self.web_tests.tick()
            down = self._target_down()
            if down:
                return "failed", down
            if not self.request.quiet and not plan.web and time.monotonic() >= next_progress:
                print_progress(self.run_dir, echo=self.echo)
                next_progress += PROGRESS_EVERY_S
        gave_up = (
            run_workers.connection_failure(self.run_dir / C.LOCUST_LOG, plan.workers)
            if plan.workers
            else None
        )
        if gave_up:
            return "failed", gave_up
        if not (self.run_dir / C.STATS_CSV).exists():
            return (
                "failed",
                f"Locust exited with code {main.process.returncode} and wrote no statistics (see locust.log)",
            )
        return ("interrupted", "stopped by a signal") if self.stop.is_set() else ("completed", "")

    def _report_lost_workers(self) -> None:
        for lost in self.watch.check() if self.watch is not None else []:
            self.echo(run_workers.lost_worker_line(lost))

    def _target_down(self) -> str:
        limit = self.request.target_down_limit_s
        if self.reachability is None or limit <= 0 or self.reachability.down_for_s() < limit:
            return ""
        host, port = self.reachability.address
        return f"the target at {host}:{port} has not accepted a connection for {limit:g} s"

    def close(self) -> None:
        self.interim.wait()
        if self.web_tests is not None:
            self.web_tests.tick()  # a test written just before Ctrl-C
            self.web_tests.wait()
        if self.reachability is not None:
            self.reachability.stop()
        for child in self.children:  # the main process first: it tells workers to quit
            child.stop()
        if self.scraper is not None:
            self.scraper.stop()
        self.sampler.stop()
        if self.target is not None:
            self.target.stop()
