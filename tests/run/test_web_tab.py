"""memload's tabs in Locust's web UI (issue 17), read the way the UI reads them: the
``extended_stats`` of /stats/requests that the page polls, during a real --web run with a worker.
The figures of the latest closed interval equal memload's histograms of that interval in the
results directory, to the tab's 3 significant digits. (The browser itself is not driven here.)"""

from __future__ import annotations

import calendar
import signal
import time
from pathlib import Path

import pandas as pd
import pytest
import requests

from memload import names as C
from memload.analysis.read.hdr import Decoder, empty_counts, percentile_values, scale_of
from memload.run.processes import free_port
from memload_cli import only_run_dir, start_memload

pytestmark = pytest.mark.integration


def wait_up(url: str, timeout_s: float = 40) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer")


def interval_p95_ms(run_dir: Path, clock: str) -> tuple[float, bool]:
    """p95 of every operation's response_ms histogram of the interval starting at ``clock`` (UTC), and
    whether part of it came late (a worker report after the interval was first written)."""
    whole = pd.read_csv(run_dir / C.HDR_CSV)
    day = time.strftime("%Y-%m-%d", time.gmtime(whole[C.HDR_INTERVAL].max()))
    start = calendar.timegm(time.strptime(f"{day} {clock}", "%Y-%m-%d %H:%M:%S"))
    # the file is appended one flush at a time, each sorted by interval: an interval's rows are one
    # run of lines unless a late report added some in a later flush
    lines = whole.index[whole[C.HDR_INTERVAL] == start]
    late = bool(len(lines)) and int(lines.max() - lines.min()) + 1 != len(lines)
    rows = whole.loc[lines]
    counts, decoder = empty_counts(), Decoder()
    for cell in rows[rows[C.HDR_METRIC] == C.METRIC_RESPONSE][C.HDR_HISTOGRAM]:
        decoder.add_to(cell, [counts])
    return percentile_values(counts, [95.0])[95.0] / scale_of(C.METRIC_RESPONSE), late


def test_the_memload_tab_shows_the_histograms_figures_live(tmp_path: Path) -> None:
    port = free_port()
    run = start_memload(
        "run", "smoke", "--web", "--web-port", str(port), "--workers", "1", "--out", str(tmp_path)
    )
    ui = f"http://127.0.0.1:{port}"
    seen = []
    try:
        wait_up(ui)
        page = requests.get(ui, timeout=5).text
        assert (
            '"extended_tabs"' in page and '"memload thresholds"' in page
        )  # the tabs, in the page's arguments
        ready = time.monotonic() + 60  # the worker connects to the master before a test can start on it
        while time.monotonic() < ready and not requests.get(f"{ui}/stats/requests", timeout=5).json().get(
            "workers"
        ):
            time.sleep(0.5)
        started = requests.post(f"{ui}/swarm", data={"user_count": 5, "spawn_rate": 5}, timeout=5).json()
        assert started["success"], started
        deadline = time.monotonic() + 75
        while (
            time.monotonic() < deadline and len({r["last_interval"] for r in seen if r["last_interval"]}) < 2
        ):
            stats = requests.get(f"{ui}/stats/requests", timeout=5).json()
            tabs = {t["key"]: t["data"] for t in stats.get("extended_stats", [])}
            assert set(tabs) == {"memload", "memload-thresholds"}
            seen += [r for r in tabs["memload"] if r["name"] == "total"]
            thresholds = tabs["memload-thresholds"]
            time.sleep(2)
        requests.post(f"{ui}/stop", timeout=5)
        time.sleep(1.5)
    finally:
        run.send_signal(signal.SIGINT)
        out, err = run.communicate(timeout=90)
    assert run.returncode in (0, 1), err[-2000:]
    shown = [r for r in seen if r["last_interval"] and r["last_p95_ms"]]
    assert shown, seen[-3:]
    run_dir = only_run_dir(tmp_path)
    last_seen = {row["last_interval"]: row for row in shown}  # each interval as the tab last showed it
    exact = 0
    for clock, row in last_seen.items():
        expected, late = interval_p95_ms(run_dir, clock)
        # the tab's 3 significant digits; a late report's part is in the file but not in the tab
        assert float(row["last_p95_ms"]) == pytest.approx(expected, rel=0.1 if late else 5e-3), clock
        exact += not late
        assert int(row["requests"]) > 0 and float(row["p99_ms"]) >= float(row["p50_ms"])
    assert exact >= 1, last_seen
    smoke_thresholds = {r["threshold"].split(" ")[0] for r in thresholds}
    assert "total.error_rate" in smoke_thresholds
    assert all(r["verdict"] in ("pass", "FAIL", "n/a yet", "judged in the report") for r in thresholds)
