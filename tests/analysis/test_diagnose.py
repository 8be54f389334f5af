"""Why a run went as it did (issue 19), on runs whose truth is set by hand: a stall is flagged at
the right time with what the processes and the host were doing; a target limited to one busy core
is named as the bottleneck when a threshold fails; otherwise the hint says nothing was saturated."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from memload.analysis.figures.analyse import analyse
from memload.analysis.report import write_report

from analysis_testkit import T0, hist_row, make_run, write_csv

SECONDS = 60
STALL = range(30, 40)  # no request completes in these seconds (rows T0+30 .. T0+39)


def stalled_run(run_dir: Path, *, host_busy: bool, target_cpu: float = 40.0, thresholds: dict | None = None,
                stall: range = STALL) -> Path:
    count, rows = 0, []
    for k in range(1, SECONDS + 1):
        count += 0 if k in stall else 50
        rows.append(hist_row(T0 + k, "search", count, users=10, type_="POST"))
        rows.append(hist_row(T0 + k, "Aggregated", count, users=10))
    make_run(run_dir, rows, start_unix=float(T0), end_unix=float(T0 + SECONDS + 1), thresholds=thresholds or {})
    resources, host = [], []
    for k in range(1, SECONDS + 1):
        stalled = k in stall
        resources.append([T0 + k + 0.1, "target", 4242, 1.0 if stalled else target_cpu, 100.0, 8, 30])
        resources.append([T0 + k + 0.1, "locust", 4243, 2.0 if stalled else 35.0, 90.0, 4, 20])
        host.append([T0 + k + 0.1, 98.0 if stalled and host_busy else 40.0, 3.5 if host_busy else 0.8, 50.0, 2])
    write_csv(run_dir / "resources.csv", ["timestamp", "role", "pid", "cpu_pct", "rss_mb", "threads", "num_fds"],
              resources)
    write_csv(run_dir / "host.csv", ["timestamp", "cpu_pct", "load1", "mem_used_pct", "cores"], host)
    return run_dir


def test_a_stall_is_flagged_at_the_right_time_and_put_down_to_the_busy_host(tmp_path: Path) -> None:
    analysis = analyse(stalled_run(tmp_path / "run", host_busy=True))
    (stall,) = analysis.stalls
    assert (stall.start_unix, stall.end_unix) == (T0 + 29, T0 + 39)  # rows T0+30..39 count (t-1, t]
    assert stall.rps == 0.0 and stall.typical_rps == pytest.approx(50.0) and stall.users == 10
    assert stall.usage.host_pct == 98.0 and stall.usage.target_pct == 1.0
    text = stall.describe(analysis.window.run_start_unix)
    assert text.startswith("stall at +29 s for 10 s: 0.0 req/s with 10 users active (typically 50.0 req/s)")
    assert "host CPU 98 %" in text and "the host was busy with other work" in text
    assert any(w.startswith("stall at +29 s") for w in analysis.warnings)


def test_a_stall_with_idle_processes_says_requests_were_waiting(tmp_path: Path) -> None:
    analysis = analyse(stalled_run(tmp_path / "run", host_busy=False))
    (stall,) = analysis.stalls
    assert "were both idle" in stall.cause()


def test_a_steady_run_has_no_stall(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    rows = [hist_row(T0 + k, "Aggregated", 50 * k, users=10) for k in range(1, SECONDS + 1)]
    make_run(run_dir, rows, start_unix=float(T0), end_unix=float(T0 + SECONDS + 1))
    assert analyse(run_dir).stalls == []


def test_a_target_on_one_busy_core_is_named_when_a_threshold_fails(tmp_path: Path) -> None:
    run_dir = stalled_run(tmp_path / "run", host_busy=False, target_cpu=97.0,
                          thresholds={"total.rps": "> 1000"}, stall=range(0))
    outcome = write_report(run_dir)
    assert outcome.verdict == "FAIL"
    (line,) = outcome.bottleneck
    assert line.startswith("the target was saturated: its process (pid 4242) used")
    html = (outcome.report_dir / "report.html").read_text()
    assert html.index("Why:") < html.index("<h2>Thresholds</h2>") and "pid 4242" in html
    md = (outcome.report_dir / "report.md").read_text()
    assert md.index("**Why:** the target was saturated") < md.index("### Thresholds")
    summary = json.loads((outcome.report_dir / "summary.json").read_text())
    assert summary["diagnosis"]["saturated"] == [line] and summary["diagnosis"]["stalls"] == []


def test_without_a_failed_threshold_there_is_no_hint_and_else_it_says_nothing_was_saturated(tmp_path: Path) -> None:
    passing = analyse(stalled_run(tmp_path / "a", host_busy=False, thresholds={"total.rps": "> 1"}))
    assert passing.bottleneck == [] and passing.saturated[0].startswith("nothing was saturated")
    failing = analyse(stalled_run(tmp_path / "b", host_busy=False, thresholds={"total.rps": "> 1000"}))
    line, stalled = failing.bottleneck
    assert stalled == "throughput stalled 1 time(s) while users were active (see Stalls)"
    assert line.startswith("nothing was saturated during the steady window (target CPU")
    assert "host CPU" in line


def test_gaps_of_a_slow_run_are_no_stall(tmp_path: Path) -> None:
    """Few users waiting on long answers: a request completes every 4 s; one 8 s gap (the answer due
    at +60 s came at +64 s) at 0.25 req/s missed about two requests, not a stall."""
    run_dir = tmp_path / "run"
    done = [t for t in range(4, 120, 4) if t != 60]
    rows = [hist_row(T0 + k, "Aggregated", sum(1 for t in done if t <= k), users=2) for k in range(1, 120)]
    make_run(run_dir, rows, start_unix=float(T0), end_unix=float(T0 + 121))
    assert analyse(run_dir).stalls == []
