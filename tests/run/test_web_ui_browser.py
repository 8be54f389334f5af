"""The web UI as a user drives it (issue 17): `memload run smoke --web --workers 1`, Debian's chromium
through its chromedriver (selenium). Start a test with the UI's START button; the MEMLOAD tab shows,
for the latest closed 10 s interval, the p95 of memload's histograms of that interval in the
results directory (to the tab's 3 significant digits, merged across the master and its worker);
STOP; the test writes its results directory and report by itself; the Download Data tab links to
the reports, whose report.html has the verdict; a second test in the same UI gets a new directory.

Without chromium and chromedriver (``make browser`` installs them from apt) the test is skipped and
says so; CI runs ``make test``, which installs them first.
"""

from __future__ import annotations

import calendar
import json
import os
import shutil
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests

from memload import names as C
from memload.analysis.read.hdr import Decoder, empty_counts, percentile_values, scale_of
from memload.run.processes import free_port
from memload_cli import start_memload

pytestmark = pytest.mark.integration
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
SCREENSHOT_ENV = "MEMLOAD_WEB_UI_SCREENSHOT"  # where to keep a screenshot of the memload tab (docs/)


def wait_for(what: str, check: Callable[[], Any], timeout_s: float = 60, every_s: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            value = check()
        except Exception:  # the page or a file caught mid-change: try again
            value = None
        if value:
            return value
        time.sleep(every_s)
    raise AssertionError(f"waited {timeout_s:g} s for {what}")


def interval_p95_ms(run_dir: Path, clock: str) -> tuple[float, bool]:
    """p95 of every operation's response_ms histogram of the interval starting at ``clock`` (UTC), and
    whether part of it came late (a worker report after the interval was first written)."""
    whole = pd.read_csv(run_dir / C.HDR_CSV)
    day = time.strftime("%Y-%m-%d", time.gmtime(whole[C.HDR_INTERVAL].max()))
    start = calendar.timegm(time.strptime(f"{day} {clock}", "%Y-%m-%d %H:%M:%S"))
    # appended one flush at a time, each sorted by interval: an interval's rows are one run of lines
    # unless a late report added some in a later flush
    lines = whole.index[whole[C.HDR_INTERVAL] == start]
    late = bool(len(lines)) and int(lines.max() - lines.min()) + 1 != len(lines)
    rows = whole.loc[lines]
    counts, decoder = empty_counts(), Decoder()
    for cell in rows[rows[C.HDR_METRIC] == C.METRIC_RESPONSE][C.HDR_HISTOGRAM]:
        decoder.add_to(cell, [counts])
    return percentile_values(counts, [95.0])[95.0] / scale_of(C.METRIC_RESPONSE), late


def requests_in(run_dir: Path) -> int:
    counts = pd.read_csv(run_dir / C.COUNTS_CSV)
    return int(counts[~counts[C.IC_SCOPE].str.contains("|", regex=False)][C.IC_REQUESTS].sum())


def browser() -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",  # this machine's closed network refuses its connections
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,900",
    ):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


class LocustPage:
    def __init__(self, driver: Any, url: str) -> None:
        from selenium.webdriver.common.by import By

        self.driver, self.url, self.by = driver, url, By

    def button(self, text: str) -> Any:
        return next(b for b in self.driver.find_elements(self.by.TAG_NAME, "button") if b.text == text)

    def click(self, text: str, timeout_s: float = 30) -> None:
        """Click the button once it is there and enabled (a dialog may cover it for a moment)."""

        def clicked() -> bool:
            buttons = self.driver.find_elements(self.by.TAG_NAME, "button")
            # the NEW dialog's START, not the first page's form behind it
            ready = [b for b in buttons if b.text == text and b.is_enabled() and b.is_displayed()]
            if not ready:
                return False
            ready[-1].click()
            return True

        wait_for(f"the {text} button", clicked, timeout_s)

    def open_tab(self, title: str) -> None:
        tabs = self.driver.find_elements(self.by.CSS_SELECTOR, "[role=tab]")
        next(t for t in tabs if t.text.upper() == title.upper()).click()

    def table(self) -> list[dict[str, str]]:
        rows = self.driver.find_elements(self.by.CSS_SELECTOR, "table tr")
        cells = [[c.text for c in row.find_elements(self.by.CSS_SELECTOR, "th,td")] for row in rows]
        return [dict(zip(cells[0], row, strict=True)) for row in cells[1:]] if cells else []

    def total_row(self) -> dict[str, str] | None:
        return next((r for r in self.table() if r.get("Operation") == "total"), None)


@pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="NOT RUN: Debian's chromium and chromium-driver are not installed (`make browser` installs them)",
)
def test_a_user_runs_two_tests_in_the_web_ui_and_reads_each_report(tmp_path: Path) -> None:
    port = free_port()
    run = start_memload(
        "run", "smoke", "--web", "--web-port", str(port), "--workers", "1", "--duration", "60s",
        "--out", str(tmp_path),
    )  # fmt: skip
    ui = f"http://127.0.0.1:{port}"
    driver = None
    try:
        wait_for("the web UI", lambda: requests.get(ui, timeout=1).status_code == 200, 40)
        wait_for("the worker", lambda: requests.get(f"{ui}/stats/requests", timeout=5).json()["workers"])
        driver = browser()
        page = LocustPage(driver, ui)
        driver.get(ui)
        page.click("START")
        wait_for("the MEMLOAD tab", lambda: page.open_tab("memload") or True, 20)
        seen: dict[str, dict[str, str]] = {}  # each interval as the tab last showed it

        def two_intervals() -> bool:
            row = page.total_row()
            if row and row["last 10 s from (UTC)"] and row["last 10 s p95"]:
                seen[row["last 10 s from (UTC)"]] = row
            return len(seen) >= 2

        wait_for("two closed intervals in the MEMLOAD tab", two_intervals, 75, every_s=1.0)
        if os.environ.get(SCREENSHOT_ENV):
            driver.save_screenshot(os.environ[SCREENSHOT_ENV])
        page.open_tab("memload thresholds")
        thresholds = wait_for("the thresholds tab", page.table, 10)
        page.click("STOP")

        first_dir = wait_for(
            "the first test's directory", lambda: next(tmp_path.glob("*/web_tests.json")).parent
        )
        index = first_dir / C.WEB_TESTS_JSON
        wait_for("the first test written", lambda: json.loads(index.read_text())[0].get("written"), 30)
        # the whole test, once the page is loaded again (Locust's page stops polling when a test stops):
        # the tab's request count is the results directory's
        driver.refresh()
        wait_for("the MEMLOAD tab", lambda: page.open_tab("memload") or True, 20)
        written = requests_in(first_dir)
        wait_for("the tab's final count", lambda: int(page.total_row()["Requests"]) == written, 15)

        page.open_tab("download data")
        driver.find_element(page.by.PARTIAL_LINK_TEXT, "memload reports").click()
        wait_for("the report link", lambda: driver.find_element(page.by.LINK_TEXT, "report.html"), 60).click()
        verdict = wait_for("the verdict", lambda: driver.find_element(page.by.CSS_SELECTOR, ".verdict").text)

        # the second test, from the same UI: Locust's worker is ready again after waiting out the
        # stop timeout (15 s), and a page loaded before that keeps START disabled (it polls no more)
        def worker_ready() -> bool:
            workers = requests.get(f"{ui}/stats/requests", timeout=5).json()["workers"]
            return bool(workers) and all(w["state"] == "ready" for w in workers)

        wait_for("the worker ready again", worker_ready, 40)
        driver.get(ui)
        page.click("NEW")
        page.click("START")
        wait_for("the second test's load", lambda: len(json.loads(index.read_text())) == 2, 20)
        time.sleep(3)
        page.click("STOP")
        wait_for("the second test written", lambda: json.loads(index.read_text())[1].get("written"), 30)
        second_dir = Path(json.loads(index.read_text())[1][C.WT_DIR])
        wait_for("the second report", lambda: (second_dir / C.REPORT_DIR / C.REPORT_HTML).is_file(), 60)
    finally:
        if driver is not None:
            driver.quit()
        run.send_signal(signal.SIGINT)
        out, err = run.communicate(timeout=90)
    assert run.returncode in (0, 1), err[-2000:]

    exact = 0
    for clock, row in seen.items():
        expected, late = interval_p95_ms(first_dir, clock)
        # the tab's 3 significant digits; a late report's part is in the file but not in the tab
        assert float(row["last 10 s p95"]) == pytest.approx(expected, rel=0.1 if late else 5e-3), clock
        exact += not late
    assert exact >= 1, seen
    assert verdict.split(":")[0] in ("PASS", "FAIL"), verdict
    assert "total.error_rate" in {r["Threshold"].split(" ")[0] for r in thresholds}
    # two directories side by side, each complete, each with its own requests and report
    assert second_dir.parent == first_dir.parent and second_dir.name == f"{first_dir.name}-test2"
    for run_dir in (first_dir, second_dir):
        info = json.loads((run_dir / C.RUN_JSON).read_text())
        assert info[C.RUN_EXIT_STATUS] == "completed" and (run_dir / C.SCENARIO_JSON).is_file()
        stats = pd.read_csv(run_dir / C.STATS_CSV)
        locust_total = int(stats[stats[C.NAME] == C.AGGREGATED]["Request Count"].iloc[0])
        assert locust_total == requests_in(run_dir) > 0  # Locust's CSVs are this test's alone
    assert f"test 1 in the web UI: {verdict.split(':')[0]}" in out
    assert "test 2 in the web UI:" in out
