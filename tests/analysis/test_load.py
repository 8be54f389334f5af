"""Reading a results directory from an interrupted or copied run: problems are warnings, except
a missing directory, run.json or history, which are harness errors."""
from __future__ import annotations

from pathlib import Path

import pytest

from memload.analysis.errors import ReportError
from memload.analysis.read.rundir import load_run

from analysis_testkit import HISTORY_HEADER, T0, hist_row, make_run, write_csv


def _rows(seconds: int = 20) -> list[list]:
    return [hist_row(T0 + k, name, 10 * k) for k in range(1, seconds + 1) for name in ("search", "Aggregated")]


def test_a_truncated_last_line_is_dropped_with_a_warning(tmp_path: Path) -> None:
    run_dir = make_run(tmp_path / "run", _rows())
    path = run_dir / "locust_stats_history.csv"
    path.write_bytes(path.read_bytes() + b"1800000021,1,GET,sea")
    data = load_run(run_dir)
    assert len(data.history) == 40 and data.history["Timestamp"].max() == T0 + 20
    assert "locust_stats_history.csv: truncated last line dropped (interrupted run?)" in data.warnings


def test_short_or_garbled_rows_are_dropped_with_a_warning(tmp_path: Path) -> None:
    rows = _rows()
    rows.insert(5, rows[5][:10])  # a row cut short in the middle of the file
    rows.insert(9, ["not-a-time"] + rows[9][1:])
    data = load_run(make_run(tmp_path / "run", rows))
    assert len(data.history) == 40
    assert any("2 row(s) with missing or non-numeric cells ignored" in w for w in data.warnings)


def test_optional_files_may_be_missing_empty_or_wrong(tmp_path: Path) -> None:
    run_dir = make_run(tmp_path / "run", _rows())
    (run_dir / "locust_stats.csv").write_text("")
    write_csv(run_dir / "resources.csv", ["timestamp", "role"], [[T0, "target"]])
    (run_dir / "target_metrics.csv").write_text("timestamp,metric,labels,value\n1,memload_cache_hits_tot")
    data = load_run(run_dir)
    assert data.stats is None and data.resources is None and data.target_metrics is None
    assert data.failures is None and data.exceptions is None
    text = "\n".join(data.warnings)
    assert "locust_stats.csv: empty file" in text
    assert "resources.csv: missing column(s) pid, cpu_pct, rss_mb, threads, num_fds" in text
    assert "target_metrics.csv: truncated last line dropped" in text
    assert "target_metrics.csv: no memload_cache_hits_total / memload_cache_misses_total samples" in text
    assert "locust_failures.csv: missing" in text and "locust_exceptions.csv: missing" in text


def test_target_metrics_keeps_only_the_samples_analysis_uses(tmp_path: Path) -> None:
    run_dir = make_run(tmp_path / "run", _rows())
    write_csv(run_dir / "target_metrics.csv", ["timestamp", "metric", "labels", "value"], [
        [T0 + 1, "memload_cache_hits_total", "", 5], [T0 + 1, "memload_users", "", 3],
        [T0 + 1, "memload_cache_misses_total", "", 1]])
    data = load_run(run_dir)
    assert sorted(data.target_metrics["metric"].astype(str)) == ["memload_cache_hits_total",
                                                                  "memload_cache_misses_total"]


@pytest.mark.parametrize(("damage", "message"), [
    (lambda d: (d / "run.json").unlink(), "missing required file run.json"),
    (lambda d: (d / "run.json").write_text('{"schema_version": 1,'), "run.json in .* is unreadable"),
    (lambda d: (d / "run.json").write_text("[1, 2]"), "is not a JSON object"),
    (lambda d: (d / "locust_stats_history.csv").unlink(), "missing required file locust_stats_history.csv"),
    (lambda d: (d / "locust_stats_history.csv").write_text(",".join(HISTORY_HEADER) + "\n"),
     "locust_stats_history.csv in .* is unusable: no rows"),
    (lambda d: (d / "locust_stats_history.csv").write_text("Timestamp,Name\n1,x\n"),
     "unusable: locust_stats_history.csv: missing column"),
])
def test_required_files_are_harness_errors(tmp_path: Path, damage, message: str) -> None:
    run_dir = make_run(tmp_path / "run", _rows())
    damage(run_dir)
    with pytest.raises(ReportError, match=message):
        load_run(run_dir)


def test_a_missing_directory_is_a_harness_error(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="does not exist or is not a directory"):
        load_run(tmp_path / "nowhere")
