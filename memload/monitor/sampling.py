"""While a run goes on: psutil samples of every process (resources.csv) and of the machine as a
whole (host.csv: CPU, load average, memory, so that a stall can be put down to the host), and the
target's Prometheus /metrics (target_metrics.csv), once a second, in background threads.

Column names are those of results/README.md; memload.names reads them.
"""

from __future__ import annotations

import csv
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import psutil
import requests
from prometheus_client.parser import text_string_to_metric_families

from memload import names as C

RESOURCE_COLUMNS = C.RESOURCE_COLUMNS
METRIC_COLUMNS = C.TARGET_METRICS_COLUMNS
SAMPLE_INTERVAL_S = 1.0
SCRAPE_TIMEOUT_S = 0.9
BYTES_PER_MB = 1024 * 1024


class _Loop(threading.Thread):
    """Calls ``step`` every interval until stopped; flushes its file each time."""

    def __init__(self, name: str, step: Callable[[float], None], interval_s: float) -> None:
        super().__init__(name=name, daemon=True)
        self.step = step
        self.interval_s = interval_s
        self.stopping = threading.Event()

    def run(self) -> None:
        next_at = time.monotonic()
        while not self.stopping.is_set():
            self.step(time.time())
            next_at += self.interval_s
            self.stopping.wait(max(0.0, next_at - time.monotonic()))

    def stop(self) -> None:
        self.stopping.set()
        if self.is_alive():  # a loop never started (the run failed before it) has nothing to join
            self.join(timeout=5)


class ResourceSampler:
    """One row per process per second: cpu %, RSS, threads, open fds; and one row for the machine
    in ``host.csv`` beside ``path``."""

    def __init__(self, path: Path) -> None:
        self._open(path)
        psutil.cpu_percent(None)  # primes the machine's counter
        self.processes: dict[str, psutil.Process] = {}
        self.lock = threading.Lock()
        self.moving_to: Path | None = None  # a new web UI test's directory, taken at the next sample
        self.loop = _Loop("memload-resources", self.sample, SAMPLE_INTERVAL_S)

    def _open(self, path: Path) -> None:
        self.path = path
        self.file = open(path, "w", newline="")
        self.writer = csv.writer(self.file)
        self.writer.writerow(RESOURCE_COLUMNS)
        self.host_file = open(path.with_name(C.HOST_CSV), "w", newline="")
        self.host_writer = csv.writer(self.host_file)
        self.host_writer.writerow(C.HOST_COLUMNS)

    def move_to(self, run_dir: Path) -> None:
        """Samples from the next one on go to the same files in ``run_dir``."""
        self.moving_to = run_dir

    def watch(self, role: str, pid: int) -> None:
        try:
            process = psutil.Process(pid)
            process.cpu_percent(None)  # the first call primes the counter
        except psutil.Error:
            return
        with self.lock:
            self.processes[role] = process

    def sample(self, now: float) -> None:
        moving_to, self.moving_to = self.moving_to, None
        if moving_to is not None:
            self.file.close()
            self.host_file.close()
            self._open(moving_to / self.path.name)
        with self.lock:
            watched = list(self.processes.items())
        for role, process in watched:
            row = _process_row(process)
            if row is not None:
                self.writer.writerow((f"{now:.3f}", role, process.pid, *row))
        self.file.flush()
        self.host_writer.writerow((f"{now:.3f}", *_host_row()))
        self.host_file.flush()

    def start(self) -> None:
        self.loop.start()

    def stop(self) -> None:
        self.loop.stop()
        self.file.close()
        self.host_file.close()


def _host_row() -> tuple[str, str, str, int]:
    """The machine's CPU (% of all cores) since the last call, load average, memory in use."""
    try:
        load1 = f"{psutil.getloadavg()[0]:.2f}"
    except (OSError, AttributeError):
        load1 = ""
    cpu = f"{psutil.cpu_percent(None):.1f}"
    return cpu, load1, f"{psutil.virtual_memory().percent:.1f}", psutil.cpu_count() or 1


def _process_row(process: psutil.Process) -> tuple | None:
    try:
        with process.oneshot():
            return (
                f"{process.cpu_percent(None):.1f}",
                f"{process.memory_info().rss / BYTES_PER_MB:.2f}",
                process.num_threads(),
                process.num_fds(),
            )
    except psutil.Error:
        return None


class MetricsScraper:
    """Scrapes ``url`` (``<host>/metrics``) and any ``extra_urls`` once a second into one file;
    an endpoint without Prometheus metrics is dropped quietly. Histogram buckets are kept only for
    the series in ``keep_buckets`` (the scenario's [monitor] series)."""

    def __init__(
        self,
        path: Path,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        extra_urls: tuple[str, ...] = (),
        keep_buckets: frozenset[str] = frozenset(),
    ) -> None:
        self.path = path
        self.url = url
        self.urls = [url, *extra_urls]
        self.keep_buckets = frozenset(f"{name}_bucket" for name in keep_buckets)
        self.headers = headers or {}
        self.session = requests.Session()
        self.file: TextIO | None = None
        self.writer: Any = None  # a csv writer, made with the file on the first answer
        self.available: bool | None = None
        self.moving_to: Path | None = None
        self.answered: dict[str, bool] = {}
        self.loop = _Loop("memload-metrics", self.scrape, SAMPLE_INTERVAL_S)

    def move_to(self, run_dir: Path) -> None:
        """Scrapes from the next one on go to the same file in ``run_dir``."""
        self.moving_to = run_dir

    def scrape(self, now: float) -> None:
        for url in list(self.urls):
            self._scrape_one(url, now)
        if self.answered and not any(self.answered.values()) and len(self.answered) == len(self.urls):
            self.available = False
            self.loop.stopping.set()

    def _scrape_one(self, url: str, now: float) -> None:
        try:
            response = self.session.get(url, timeout=SCRAPE_TIMEOUT_S, headers=self.headers)
        except requests.RequestException:
            return
        if response.status_code != 200 or "# TYPE" not in response.text:
            self.answered.setdefault(url, False)
            return
        self.answered[url] = True
        self.available = True
        self._write(now, response.text)

    def _write(self, now: float, text: str) -> None:
        moving_to, self.moving_to = self.moving_to, None
        if moving_to is not None:
            self.path = moving_to / self.path.name
            if self.file is not None:
                self.file.close()
                self.file = None
        if self.file is None:
            self.file = open(self.path, "w", newline="")
            self.writer = csv.writer(self.file)
            self.writer.writerow(METRIC_COLUMNS)
        file = self.file
        stamp = f"{now:.3f}"
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name.endswith("_bucket") and sample.name not in self.keep_buckets:
                    continue
                labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
                self.writer.writerow((stamp, sample.name, labels, repr(float(sample.value))))
        file.flush()

    def start(self) -> None:
        self.loop.start()

    def stop(self) -> None:
        self.loop.stop()
        if self.file is not None:
            self.file.close()


class ReachabilityWatch:
    """Whether the target still accepts connections: a TCP connect every second. A target that
    stays unreachable past the limit ends the run (a target that comes back in time lets the load
    resume by itself: its failures are recorded in the seconds they happened)."""

    def __init__(self, host_url: str) -> None:
        from urllib.parse import urlsplit

        parts = urlsplit(host_url)
        self.address = (parts.hostname or "127.0.0.1", parts.port or (443 if parts.scheme == "https" else 80))
        self.down_since: float | None = None
        self.loop = _Loop("memload-reachability", self.probe, SAMPLE_INTERVAL_S)

    def probe(self, now: float) -> None:
        import socket

        try:
            with socket.create_connection(self.address, timeout=SCRAPE_TIMEOUT_S):
                self.down_since = None
        except OSError:
            if self.down_since is None:
                self.down_since = now

    def down_for_s(self) -> float:
        return 0.0 if self.down_since is None else time.time() - self.down_since

    def start(self) -> None:
        self.loop.start()

    def stop(self) -> None:
        self.loop.stop()
