"""Figures from memload's own files (hdr_histograms.csv, interval_counts.csv), written here by
memload's own store and writer: every percentile equals what hdrh gives for the same samples in
one process, counts are complete, intervals are chosen by their midpoints, the window ends with
the load."""
from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hdrh.histogram import HdrHistogram

from memload.analysis.figures.analyse import analyse
from memload.analysis.report import write_report
from memload.loadgen.histograms import new_histogram, to_recorded

from analysis_testkit import T0, hist_row, make_run, write_interval_files

LOAD_END_ROW = 35  # users > 0 up to T0+35; the drain (0 users) follows


def _history(seconds: int = 40) -> list[list]:
    rows = []
    for k in range(1, seconds + 1):
        users = 1 if k <= LOAD_END_ROW else 0
        rows.append(hist_row(T0 + k, "search", 10 * k, users=users, type_="POST"))
        rows.append(hist_row(T0 + k, "create_memory", 5 * k, users=users, type_="POST"))
        rows.append(hist_row(T0 + k, "Aggregated", 15 * k, users=users))
    return rows


def _samples(seed: int = 1) -> list[tuple[float, str, str, float]]:
    """search and create_memory in intervals T0, T0+10, T0+20, T0+30 and a few in T0+40."""
    rng = random.Random(seed)
    samples = []
    for interval, count, median in ((0, 100, 500.0), (10, 200, 20.0), (20, 300, 40.0), (30, 250, 10.0), (40, 5, 900.0)):
        for i in range(count):
            at = T0 + interval + (i + 0.5) * (6.0 if interval == 30 else 10.0) / count
            samples.append((at, "search", "response_ms", rng.lognormvariate(0, 0.7) * median))
            if i % 2 == 0:
                samples.append((at, "create_memory", "response_ms", rng.lognormvariate(0, 0.3) * median / 4))
    return samples


def _reference(samples, scopes: set[str], metric: str = "response_ms", first: float = T0 + 10,
               last: float = T0 + 40) -> HdrHistogram:
    """One process fed the same samples: the selected intervals are T0+10, T0+20, T0+30."""
    histogram = new_histogram()
    for at, scope, m, value in samples:
        if scope in scopes and m == metric and first <= at < last:
            histogram.record_value(to_recorded(m, value))
    return histogram


@pytest.fixture
def exact_run(tmp_path: Path) -> tuple[Path, list]:
    samples = _samples()
    run_dir = make_run(tmp_path / "run", _history(), warmup_s=10.0, start_unix=float(T0), end_unix=float(T0 + 41),
                       thresholds={"search.p99_ms": "< 1000", "total.rps": "> 1"})
    write_interval_files(run_dir, samples, [(T0 + 12, "search", "failures", 3)], reports=2)
    return run_dir, samples


def test_percentiles_equal_one_process_fed_the_same_samples(exact_run) -> None:
    run_dir, samples = exact_run
    analysis = analyse(run_dir)
    assert analysis.requests.percentile_methods == {"hdr_histograms_exact"}
    assert not any(w.startswith("percentiles approximate") for w in analysis.warnings)
    for scope, names in (("search", {"search"}), ("create_memory", {"create_memory"}),
                         ("total", {"search", "create_memory"})):
        reference = _reference(samples, names)
        for label, percent in (("p50", 50), ("p90", 90), ("p95", 95), ("p99", 99), ("p999", 99.9)):
            assert analysis.figures[f"{scope}.{label}_ms"] == reference.get_value_at_percentile(percent) / 1000.0
        assert analysis.figures[f"{scope}.max_ms"] == reference.get_max_value() / 1000.0
        assert analysis.figures[f"{scope}.avg_ms"] == pytest.approx(reference.get_mean_value() / 1000.0, rel=1e-9)
        assert analysis.figures[f"{scope}.requests"] == reference.get_total_count()


def test_counts_rates_and_the_window_end_with_the_load(exact_run) -> None:
    run_dir, _ = exact_run
    analysis = analyse(run_dir)
    window = analysis.window
    # load: from the second before the first row with users (T0+1) to the second of the last (T0+35)
    assert (window.load_start_s, window.load_end_s, window.end_unix) == (T0, T0 + 36, T0 + 36)
    # intervals T0+10 (midpoint 15), T0+20 (25), T0+30 (35 <= 36); not T0 (5 < 10) nor T0+40 (45)
    assert list(analysis.view.intervals) == [T0 + 10, T0 + 20, T0 + 30]
    assert analysis.view.covered_s == 26.0  # T0+10 .. T0+36: the drain after the load is not counted
    figures = analysis.figures
    assert figures["search.requests"] == 200 + 300 + 250 and figures["search.failures"] == 3
    assert figures["search.rps"] == pytest.approx(750 / 26.0)
    assert figures["search.error_rate"] == pytest.approx(3 / 750)
    assert figures["total.requests"] == 750 + 375 and figures["total.rps"] == pytest.approx(1125 / 26.0)
    assert analysis.requests.types["search"] == ["POST"]
    summary = json.loads((write_report(run_dir).report_dir / "summary.json").read_text())
    assert summary["window"]["intervals"] == [T0 + 10, T0 + 20, T0 + 30]
    assert summary["window"]["covered_s"] == 26.0 and summary["window"]["load_end_unix"] == T0 + 36
    assert summary["percentile_method"] == ["hdr_histograms_exact"]
    assert "search.dropped" not in summary["figures"] and "search.queue_ms" not in summary["figures"]  # closed model


def test_without_warmup_every_interval_with_its_midpoint_in_the_run_counts(tmp_path: Path) -> None:
    samples = _samples()
    run_dir = make_run(tmp_path / "run", _history(), warmup_s=0.0, start_unix=float(T0 + 4), end_unix=float(T0 + 41))
    write_interval_files(run_dir, samples)
    analysis = analyse(run_dir)
    assert list(analysis.view.intervals) == [T0, T0 + 10, T0 + 20, T0 + 30]  # T0's midpoint 5 >= start 4
    assert analysis.view.covered_s == 36.0 - 4.0  # clipped to the run's start
    assert analysis.figures["search.requests"] == 100 + 200 + 300 + 250


def test_a_broken_histogram_row_is_skipped_with_a_warning(exact_run) -> None:
    run_dir, _ = exact_run
    path = run_dir / "hdr_histograms.csv"
    lines = path.read_text().splitlines()
    fields = lines[3].split(",")
    lines[3] = ",".join(fields[:-1] + ["bm90IGEgaGlzdG9ncmFt"])  # "not a histogram"
    path.write_text("\n".join(lines) + "\n")
    analysis = analyse(run_dir)
    assert any(w == "hdr_histograms.csv: 1 row(s) with an unreadable histogram ignored" for w in analysis.warnings)
    assert "search.p50_ms" in analysis.figures


def test_one_file_missing_falls_back_to_locusts_figures(exact_run) -> None:
    run_dir, _ = exact_run
    (run_dir / "interval_counts.csv").unlink()
    analysis = analyse(run_dir)
    assert analysis.view is None and analysis.requests.percentile_methods == {"history_10s_snapshots_mixture"}
    assert any(w.startswith("interval_counts.csv: missing") for w in analysis.warnings)
    assert any("request figures come from Locust's files instead" in w for w in analysis.warnings)


def test_open_model_runs_report_queue_time_and_dropped_arrivals(tmp_path: Path) -> None:
    samples = _samples()
    queue = [(at, scope, "queue_ms", 2.0 if at < T0 + 30 else 40.0) for at, scope, metric, _ in samples
             if metric == "response_ms"]
    run_dir = make_run(tmp_path / "run", _history(), warmup_s=10.0, start_unix=float(T0), end_unix=float(T0 + 41))
    write_interval_files(run_dir, samples + queue, [(T0 + 21, "search", "dropped", 7), (T0 + 45, "search", "dropped", 9)])
    analysis = analyse(run_dir)
    reference = _reference(queue, {"search"}, metric="queue_ms")
    assert analysis.figures["search.queue_ms"] == pytest.approx(reference.get_mean_value() / 1000.0, rel=1e-9)
    assert analysis.figures["search.dropped"] == 7 and analysis.figures["total.dropped"] == 7
    assert analysis.figures["create_memory.dropped"] == 0
    md = (write_report(run_dir).report_dir / "report.md").read_text()
    assert "| queue (mean) | dropped |" in md


def test_the_latency_plots_come_from_the_histograms(exact_run) -> None:
    run_dir, samples = exact_run
    analysis = analyse(run_dir)
    lines = analysis.view.merged.series[("search", "response_ms")]
    bins = analysis.view.merged.bins
    assert (bins.first_s, bins.width_s, bins.count) == (T0, 10.0, 5)
    # one point per 10 s interval, warm-up and drain included: p99 of interval T0+20 alone
    reference = _reference(samples, {"search"}, first=T0 + 20, last=T0 + 30)
    assert lines["p99"][2] == reference.get_value_at_percentile(99) / 1000.0
    outcome = write_report(run_dir)
    assert "latency_search.png" in {p.name for p in (outcome.report_dir / "plots").iterdir()}
