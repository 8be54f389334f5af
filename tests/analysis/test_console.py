"""The table `memload run` prints at its end (memload.run.console)."""
from __future__ import annotations

import csv
from pathlib import Path

from memload.run.console import print_summary

from analysis_testkit import PERCENT_COLUMNS, T0, hist_row, make_run, write_interval_files

STATS_HEADER = ["Type", "Name", "Request Count", "Failure Count", "Median Response Time", "Average Response Time",
                "Min Response Time", "Max Response Time", "Average Content Size", "Requests/s", "Failures/s",
                *PERCENT_COLUMNS]


def _run(tmp_path: Path) -> Path:
    # Locust's first row (T0+1) has no users yet; users from T0+2 to T0+19, then the drain
    rows = [hist_row(T0 + k, name, 100 * k, users=1 if 1 < k <= 19 else 0) for k in range(1, 23)
            for name in ("search", "Aggregated")]
    run_dir = make_run(tmp_path / "run", rows, start_unix=float(T0), end_unix=float(T0 + 23))
    with open(run_dir / "locust_stats.csv", "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(STATS_HEADER)
        for name in ("search", "Aggregated"):
            writer.writerow(["POST" if name == "search" else "", name, 2000, 0, 51, 51.2, 50, 80, 10, 95.0, 0,
                             51, 51, 52, 52, 53, 54, 56, 58, 70, 80, 80])
    return run_dir


def test_exact_percentiles_with_locusts_beside(tmp_path: Path) -> None:
    run_dir = _run(tmp_path)
    write_interval_files(run_dir, [(T0 + 1 + i * 0.0095, "search", "response_ms", 50.0 + (i % 100) * 0.05)
                                   for i in range(2000)])
    lines: list[str] = []
    print_summary(run_dir, echo=lines.append)
    assert lines[0].startswith("memload's exact figures over the whole run")
    assert "Locust p50" in lines[1] and "p99.9 ms" in lines[1]
    search = next(line for line in lines if line.startswith("search"))
    cells = search.replace("|", " ").split()
    # 2,000 requests over the load's 19 s (T0+1 .. T0+20), p50 52.5 ms at 3 digits, Locust's 51 and 58
    assert cells[:5] == ["search", "2,000", "0", "105.3", "52.5"]
    assert cells[-2:] == ["51", "58"]
    assert any(line.startswith("total") for line in lines)


def test_runs_without_histograms_print_locusts_table(tmp_path: Path) -> None:
    lines: list[str] = []
    print_summary(_run(tmp_path), echo=lines.append)
    assert lines[0].split()[:4] == ["operation", "requests", "failures", "req/s"]
    assert lines[2].split()[:2] == ["search", "2000"]


def test_percentiles_without_enough_requests_print_a_dash(tmp_path: Path) -> None:
    run_dir = _run(tmp_path)
    write_interval_files(run_dir, [(T0 + 1 + i * 0.1, "search", "response_ms", 50.0 + i) for i in range(150)])
    lines: list[str] = []
    print_summary(run_dir, echo=lines.append)
    cells = next(line for line in lines if line.startswith("search")).replace("|", " ").split()
    assert cells[1] == "150" and cells[5:8] == ["192", "198", "—"]  # p95 (rank 143), p99 (149) shown; p99.9 needs 1,000
    assert any(line.startswith("(— : too few requests") for line in lines)
