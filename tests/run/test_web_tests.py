"""The pieces of a web UI session's tests (issue 17) that need no browser: Locust's CSV files moved
to a new test's directory, and `memload run`'s watcher of ``web_tests.json`` (the browser test,
tests/run/test_web_ui_browser.py, runs them together)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import subprocess
import sys

from memload import names as C
from memload.run.interim import WebTests


def test_locust_csv_files_move_to_a_new_test_directory_and_keep_their_layout(tmp_path: Path) -> None:
    first, second = tmp_path / "run", tmp_path / "run-test2"
    first.mkdir(), second.mkdir()
    # Locust monkey-patches the standard library: it runs in a process of its own
    probe = Path(__file__).with_name("locust_csv_probe.py")
    done = subprocess.run(
        [sys.executable, str(probe), str(first), str(second)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    old_stats = (first / "locust_stats.csv").read_text()
    new_stats = (second / "locust_stats.csv").read_text()
    assert ",a," in old_stats and ",b," not in old_stats
    assert ",b," in new_stats and ",a," not in new_stats
    # one header, at the top, in every moved file: the loop's offsets after the headers still hold
    for name in (
        "locust_stats.csv",
        "locust_failures.csv",
        "locust_exceptions.csv",
        "locust_stats_history.csv",
    ):
        lines = (second / name).read_text().splitlines()
        assert lines and lines.count(lines[0]) == 1, (name, lines[:3])
    assert (first / "locust_stats.csv").read_text().splitlines()[0] == new_stats.splitlines()[0]


def test_the_watcher_moves_the_monitor_and_closes_each_written_test(tmp_path: Path) -> None:
    first = tmp_path / "20261130T120000_smoke"
    second = tmp_path / "20261130T120000_smoke-test2"
    first.mkdir(), second.mkdir()
    info = {C.RUN_EXIT_STATUS: "running", C.RUN_START_UNIX: 1.0}
    (first / C.RUN_JSON).write_text(json.dumps(info))
    moved: list[Path] = []
    said: list[str] = []
    watcher = WebTests(first, info, moved.append, said.append)
    now = time.time()
    tests = [{C.WT_DIR: str(first), C.WT_STARTED: now - 30, C.WT_STOPPED: now - 20, C.WT_WRITTEN: True}]
    (first / C.WEB_TESTS_JSON).write_text(json.dumps(tests))
    watcher.tick()
    closed = json.loads((first / C.RUN_JSON).read_text())
    assert closed[C.RUN_EXIT_STATUS] == "completed" and closed[C.RUN_END_UNIX] == now - 20
    assert moved == []  # the first test is the run's own directory
    tests.append({C.WT_DIR: str(second), C.WT_STARTED: now - 10, C.WT_STOPPED: None})
    (first / C.WEB_TESTS_JSON).write_text(json.dumps(tests))
    watcher.tick()
    watcher.tick()  # once only
    assert moved == [second] and watcher.current == second
    opened = json.loads((second / C.RUN_JSON).read_text())
    assert opened[C.RUN_EXIT_STATUS] == "running" and opened[C.RUN_START_UNIX] == now - 10
    watcher.wait()
    # no load files here: the report says why, in one line, and the run goes on
    assert len(said) == 1 and said[0].startswith("memload: test 1 in the web UI: no report:"), said
