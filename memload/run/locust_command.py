"""Locust command lines for a run: one process, or a master and N workers, headless or web UI."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from memload import names as C

CSV_PREFIX = C.LOCUST_CSV_PREFIX
EXPECT_WORKERS_MAX_WAIT_S = 60
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
            argv += ["--web-host", "127.0.0.1", "--web-port", str(self.web_port)]
        else:
            argv += ["--headless", "--only-summary"]
            if self.run_time_s is not None:
                argv += ["--run-time", f"{int(self.run_time_s) + 1}s"]
        if self.workers:
            argv += [
                "--master",
                "--master-bind-host",
                "127.0.0.1",
                "--master-bind-port",
                str(self.master_port),
                "--expect-workers",
                str(self.workers),
                "--expect-workers-max-wait",
                str(EXPECT_WORKERS_MAX_WAIT_S),
            ]
        return argv

    def worker_argv(self) -> list[str]:
        return self.common() + [
            "--worker",
            "--master-host",
            "127.0.0.1",
            "--master-port",
            str(self.master_port),
        ]

    def main_role(self) -> str:
        return "locust-master" if self.workers else "locust"
