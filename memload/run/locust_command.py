"""Locust command lines for a run: one process, or a master and N workers, headless or web UI."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

from memload import names as C

CSV_PREFIX = C.LOCUST_CSV_PREFIX
EXPECT_WORKERS_MAX_WAIT_S = 60
DEFAULT_MASTER_PORT = 5557  # Locust's own default
WATCHDOG_GRACE_S = 60.0
# Users finish the request in flight when a run stops, so that every request the target saw is
# in Locust's statistics (a killed user's last request would be sent but never counted).
STOP_TIMEOUT_S = 15


def locustfile_path() -> Path:
    return Path(str(resources.files("memload.locustfiles") / "scenario.py"))


@dataclass(frozen=True, kw_only=True)
class LocustPlan:
    host: str
    run_dir: Path
    workers: int = 0
    web: bool = False
    web_port: int = 0
    master_port: int = 0
    run_time_s: float | None = None  # a hard cap, beyond the shape's own end
    bind: str = "127.0.0.1"  # the master's worker port and web UI listen here
    local_workers: bool = True  # False: `memload master`, its workers come from elsewhere
    worker_wait_s: float = EXPECT_WORKERS_MAX_WAIT_S
    master_host: str = "127.0.0.1"  # where a worker finds its master

    def common(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(locustfile_path()),
            "--host",
            self.host,
            "--loglevel",
            "INFO",
            "--stop-timeout",
            str(STOP_TIMEOUT_S),
        ]

    def main_argv(self) -> list[str]:
        """The single process, or the master when there are workers."""
        argv = self.common() + ["--csv", str(self.run_dir / CSV_PREFIX), "--csv-full-history"]
        if self.web:
            argv += ["--web-host", self.bind, "--web-port", str(self.web_port)]
        else:
            argv += ["--headless", "--only-summary"]
            if self.run_time_s is not None:
                argv += ["--run-time", f"{int(self.run_time_s) + 1}s"]
        if self.workers:
            argv += [
                "--master",
                "--master-bind-host",
                self.bind,
                "--master-bind-port",
                str(self.master_port),
                "--expect-workers",
                str(self.workers),
                "--expect-workers-max-wait",
                str(int(self.worker_wait_s)),
            ]
        return argv

    def worker_argv(self) -> list[str]:
        return self.common() + [
            "--worker",
            "--master-host",
            self.master_host,
            "--master-port",
            str(self.master_port),
        ]

    def environment(self, scenario_file: Path, *, metrics_port: int | None) -> dict[str, str]:
        """What memload's locustfile reads in every Locust process of the run."""
        env = {
            C.SCENARIO_FILE_ENV: str(scenario_file.resolve()),
            C.RUN_DIR_ENV: str(self.run_dir.resolve()),
            C.WORKERS_ENV: str(self.workers),
        }
        if self.web:
            env[C.WEB_ENV] = "1"
        if metrics_port:  # the live metrics listen on loopback, or the master's --bind address
            env.update({C.METRICS_PORT_ENV: str(metrics_port), C.METRICS_ADDRESS_ENV: self.bind})
        return env

    def main_role(self) -> str:
        return "locust-master" if self.workers else "locust"


@dataclass(frozen=True, kw_only=True)
class Distributed:
    """A master whose workers are started elsewhere (``memload worker``), on this machine or others."""

    bind: str = "127.0.0.1"
    master_port: int = DEFAULT_MASTER_PORT
    worker_wait_s: float = EXPECT_WORKERS_MAX_WAIT_S
    on_host: Callable[[str], None] | None = None  # told the target's URL before Locust starts

    def plan(self, local: LocustPlan, *, host: str, load_s: float) -> LocustPlan:
        """``local``'s plan with no local workers, listening on ``bind``."""
        if self.on_host is not None:
            self.on_host(host)
        return replace(
            local,
            bind=self.bind,
            master_port=self.master_port,
            local_workers=False,
            worker_wait_s=self.worker_wait_s,
            run_time_s=None if local.web else load_s + self.worker_wait_s + WATCHDOG_GRACE_S,
        )
