"""Helpers of the issue-5 proofs (benchmarks/bench_truth.py, tests/truth): running `memload serve`
and `memload run` as subprocesses, a minimal loopback probe, the target's access log, and the
figures of a results directory."""

from __future__ import annotations

import contextlib
import csv
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from memload.analysis.figures.runtable import whole_run_figures

RUN_TIMEOUT_S = 900
TARGET_START_TIMEOUT_S = 30


# -- running things ----------------------------------------------------------------------------
def memload_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "memload", *args]


@contextlib.contextmanager
def serve(log_path: Path, *flags: str) -> Iterator[str]:
    """A standalone `memload serve` on a free port with ``flags``; yields its URL."""
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            memload_argv("serve", "--port", "0", *flags),
            stdout=subprocess.PIPE,
            stderr=log,
            stdin=subprocess.DEVNULL,
        )
        try:
            assert process.stdout is not None
            url = process.stdout.readline().decode().strip()
            if not url.startswith("http"):
                raise RuntimeError(f"memload serve did not start; see {log_path}")
            yield url
        finally:
            process.terminate()
            process.wait(timeout=TARGET_START_TIMEOUT_S)


def run_scenario(
    toml: str, work: Path, name: str, *args: str, report: bool = False, duration_s: float = 0.0
) -> Path:
    """Write the scenario, `memload run` it, return its results directory. ``duration_s``: how long
    the scenario runs, when longer than RUN_TIMEOUT_S allows for."""
    work.mkdir(parents=True, exist_ok=True)
    scenario = work / f"{name}.toml"
    scenario.write_text(toml)
    out = work / f"out-{name}-{time.time_ns()}"
    done = subprocess.run(
        memload_argv(
            "run",
            str(scenario),
            "--out",
            str(out),
            "--quiet",
            "--no-preflight",
            "--report" if report else "--no-report",
            *args,
        ),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S + duration_s,
    )
    runs = [p for p in out.iterdir() if p.is_dir()] if out.is_dir() else []
    if done.returncode not in (0, 1) or len(runs) != 1:
        raise RuntimeError(f"memload run {name} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return runs[0]


def nearest_rank(values_ms: np.ndarray, percent: float) -> float:
    """The value at rank max(int(p·n/100 + 0.5), 1) of the sorted values: HdrHistogram's rule."""
    ordered = np.sort(values_ms)
    rank = max(int(percent * ordered.size / 100 + 0.5), 1)
    return float(ordered[rank - 1])


def locust_row(run_dir: Path, name: str) -> dict[str, str]:
    with open(run_dir / "locust_stats.csv", newline="") as file:
        return next(r for r in csv.DictReader(file) if r["Name"] == name)


def memload_figures(run_dir: Path) -> dict[str, float]:
    """What `memload run` prints: exact whole-run figures from the merged histograms."""
    exact = whole_run_figures(run_dir)
    if exact is None:
        raise RuntimeError(f"{run_dir} has no hdr_histograms.csv")
    return exact[0].values


PROBE_TAG = "truth_probe=1"


def server_times_ms(log_path: Path, request_line_start: str) -> np.ndarray:
    """Per-request server time (ms) of the access-log lines whose request line starts with
    ``request_line_start`` (e.g. 'POST /v1/search '), in log order; the last field is seconds."""
    times = []
    for line in log_path.read_text(errors="replace").splitlines():
        if f'"{request_line_start}' in line:
            times.append(float(line.rsplit(" ", 1)[1]) * 1000.0)
    return np.asarray(times)


PROBE_CODE = r"""
import signal, socket, sys, time
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop between requests' bytecodes, file closed cleanly
host, port, path, body, pause_s, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4].encode(), float(sys.argv[5]), sys.argv[6]
request = (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
           f"Content-Length: {len(body)}\r\n\r\n").encode() + body
times = []
with socket.create_connection((host, port)) as sock, open(out, "w") as sink:
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sys.stdout.write("ready\n"); sys.stdout.flush()
    try:
        while True:
            started = time.perf_counter()
            sock.sendall(request)
            data = b""
            while b"\r\n\r\n" not in data:
                data += sock.recv(65536)
            head, rest = data.split(b"\r\n\r\n", 1)
            length = next(int(l.split(b":", 1)[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:"))
            while len(rest) < length:
                rest += sock.recv(65536)
            sink.write(f"{(time.perf_counter() - started) * 1000.0:.6f}\n")
            sink.flush()
            time.sleep(pause_s)
    except SystemExit:
        pass
"""


@contextlib.contextmanager
def loopback_probe(url: str, path: str, body: bytes, out: Path, *, pause_s: float = 0.005) -> Iterator[Path]:
    """A minimal client beside memload, in its own process: one keep-alive connection, blocking
    sockets, TCP_NODELAY, ``time.perf_counter`` around writing the request and reading the whole
    response, one line per request into ``out``. Its requests go to the same route tagged with a
    query string the target ignores, so their access-log lines are its own; client time − server
    time of each is that request's loopback round trip."""
    host, port = url.split("//", 1)[1].rsplit(":", 1)
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            PROBE_CODE,
            host,
            port,
            f"{path}?{PROBE_TAG}",
            body.decode(),
            str(pause_s),
            str(out),
        ],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    try:
        assert process.stdout is not None
        process.stdout.readline()
        yield out
    finally:
        process.terminate()  # SIGTERM: SIGINT may be ignored when the benchmark runs in the background
        process.wait(timeout=10)


def truth_percentiles(
    server_ms: np.ndarray, loopback_ms: np.ndarray, percents: tuple[float, ...]
) -> dict[float, float]:
    """Percentiles of server time + loopback round trip: the distribution of S + L over every
    pair (S of memload's requests, L of the probe's), nearest-rank."""
    sums = np.sort((server_ms[:, None] + loopback_ms[None, :]).ravel())
    return {p: float(sums[max(int(p * sums.size / 100 + 0.5), 1) - 1]) for p in percents}


def load_span_unix(run_dir: Path) -> tuple[float, float]:
    """The load's first and last second: Locust's first history row, the last row with users + 1."""
    import pandas as pd

    history = pd.read_csv(run_dir / "locust_stats_history.csv", usecols=["Timestamp", "User Count"])
    busy = history[history["User Count"] > 0]["Timestamp"]
    return float(history["Timestamp"].min()), float(busy.max()) + 1.0


def rss_slopes_mb_per_h(
    run_dir: Path, *, skip_s: float = 60.0, window_s: float | None = None
) -> dict[str, dict[str, float]]:
    """Least-squares slope of each Locust process's RSS while the load ran, after its first
    ``skip_s`` (start-up: imports, pools, first arenas), in MB/hour; with ``window_s`` also the
    slope over each whole window of that length after ``skip_s`` (``window_slopes_mb_per_h``)."""
    import pandas as pd

    frame = pd.read_csv(run_dir / "resources.csv")
    frame = frame[frame["role"].astype(str).str.startswith("locust") & (frame["rss_mb"] > 0)]
    start, end = load_span_unix(run_dir)
    result = {}
    for role, rows in frame.groupby("role"):
        rows = rows[(rows["timestamp"] >= start + skip_s) & (rows["timestamp"] <= end)]
        result[str(role)] = {
            "slope_mb_per_h": _slope_mb_per_h(rows, start),
            "rss_first_mb": float(rows["rss_mb"].iloc[0]),
            "rss_last_mb": float(rows["rss_mb"].iloc[-1]),
            "samples": int(len(rows)),
        }
        if window_s:
            edges = np.arange(start + skip_s, end - window_s + 1.0, window_s)
            result[str(role)]["window_slopes_mb_per_h"] = [
                _slope_mb_per_h(rows[(rows["timestamp"] >= a) & (rows["timestamp"] < a + window_s)], start)
                for a in edges
            ]
    return result


def _slope_mb_per_h(rows: Any, start: float) -> float:
    slope, _ = np.polyfit(rows["timestamp"].to_numpy() - start, rows["rss_mb"].to_numpy(), 1)
    return float(slope * 3600.0)
