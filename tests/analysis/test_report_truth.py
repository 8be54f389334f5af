"""Runs whose truth is set by hand (issue 19): the steady window starts with the load, nothing is
drawn after the last request, percentiles without enough samples are not printed, threshold lines
are labelled in the plot's unit."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from memload.analysis.figures.analyse import analyse
from memload.analysis.plots.kit import THRESHOLD_GID_PREFIX, WARMUP_LABEL
from memload.analysis.plots.plotset import plot_specs
from memload.analysis.writers.markdown import render_markdown
from memload.analysis.writers.tables import NOT_SHOWN, operations_table

from analysis_testkit import T0, hist_row, make_run, write_interval_files

FIRST_USER_ROW = 16  # Locust's users start 15 s after memload (rows before carry 0 users)
LAST_USER_ROW = 44  # the load ends 45 s after the start: inside the interval T0+40 .. T0+50


def late_run(run_dir: Path, *, warmup_s: float = 5.0, thresholds: dict | None = None,
             last_row: int = LAST_USER_ROW) -> Path:
    """memload starts at T0; the first user at T0+15; 20 search requests a second until T0+45,
    each second's response time the second itself in ms (so an interval's samples are known)."""
    rows = [hist_row(T0 + k, "search", 10 * k, users=1 if FIRST_USER_ROW <= k <= last_row else 0)
            for k in range(1, 50)]
    make_run(run_dir, rows, warmup_s=warmup_s, start_unix=float(T0), end_unix=float(T0 + 50),
             thresholds=thresholds or {})
    samples = [(T0 + second + 0.5, "search", "response_ms", float(second))
               for second in range(FIRST_USER_ROW - 1, last_row + 1) for _ in range(20)]
    return write_interval_files(run_dir, samples)


def test_the_steady_window_starts_at_the_first_user_plus_the_warmup(tmp_path: Path) -> None:
    analysis = analyse(late_run(tmp_path / "run"))
    window = analysis.window
    assert window.load_start_s == T0 + 15 and window.start_unix == T0 + 15 + 5 and window.end_unix == T0 + 45
    # T0+10 holds warm-up requests (T0+15 .. T0+20): left out; T0+20, T0+30 and T0+40 (midpoint 45 <= 45)
    assert list(analysis.view.intervals) == [T0 + 20, T0 + 30, T0 + 40]
    assert analysis.figures["search.requests"] == 25 * 20
    assert analysis.figures["search.rps"] == 20.0  # 500 requests over the 25 s of load they cover
    assert analysis.figures["search.p50_ms"] >= 20.0  # no warm-up sample (15 .. 19 ms) in the window
    md = render_markdown(analysis)
    assert ("steady window 25.0 s: from +20.0 s (first user at +15.0 s, warm-up 5 s) to +45.0 s (the last request). "
            "request figures come from whole 10 s intervals: +20.0 s to +45.0 s, 25.0 s of load") in md.lower()
    assert "holds 500 of the run's 600 requests" in md


def test_without_warmup_the_window_starts_with_the_first_user(tmp_path: Path) -> None:
    analysis = analyse(late_run(tmp_path / "run", warmup_s=0.0))
    assert analysis.window.start_unix == T0 + 15
    assert list(analysis.view.intervals) == [T0 + 10, T0 + 20, T0 + 30, T0 + 40]  # T0+10 has no warm-up
    assert analysis.figures["search.requests"] == 600


def _drawn(run_dir: Path, file_name: str):
    builders = {name: build for name, _, build in plot_specs(analyse(run_dir))}
    figure = builders[file_name]()
    return figure.axes[0], {line.get_label(): line for axes in figure.axes for line in axes.get_lines()}


def test_no_point_after_the_last_request_and_the_band_covers_what_is_excluded(tmp_path: Path) -> None:
    run_dir = late_run(tmp_path / "run", thresholds={"total.error_rate": "< 0.01", "total.rps": "> 1000"})
    for file_name, label in (("rps.png", "total"), ("latency_search.png", "p95"), ("error_rate.png", "total")):
        ax, lines = _drawn(run_dir, file_name)
        x = np.asarray(lines[label].get_xdata(), dtype=float)
        assert x.max() <= 45.0 and x.min() >= 15.0, (file_name, x)
        band = [p for p in ax.patches if p.get_label() == WARMUP_LABEL]
        assert band and band[0].get_x() == 0.0 and band[0].get_width() == 20.0  # to first user + warm-up
    ax, lines = _drawn(run_dir, "rps.png")
    # the last interval (T0+40 .. T0+45 of load) is weighted by its 5 s: 20 req/s like the others
    assert list(lines["total"].get_ydata()) == [20.0, 20.0, 20.0, 20.0]
    assert list(lines["total"].get_xdata()) == [17.5, 25.0, 35.0, 42.5]
    assert lines["threshold: total.rps > 1000 req/s"].get_ydata()[0] == 1000.0


def test_threshold_labels_are_in_the_plots_unit_and_the_zero_line_shows(tmp_path: Path) -> None:
    ax, lines = _drawn(late_run(tmp_path / "run", thresholds={"total.error_rate": "< 0.01"}), "error_rate.png")
    (line,) = [v for v in lines.values() if (v.get_gid() or "").startswith(THRESHOLD_GID_PREFIX)]
    assert line.get_label() == "threshold: total.error_rate < 1 %" and line.get_ydata()[0] == 1.0
    assert ax.get_ylim()[0] < 0.0 < 1.0 < ax.get_ylim()[1]  # an error rate of 0 is not on the frame


def test_fewer_than_four_points_are_drawn_as_points(tmp_path: Path) -> None:
    ax, lines = _drawn(late_run(tmp_path / "run", last_row=24), "latency_search.png")
    assert list(lines["p95"].get_xdata()) == [17.5, 22.5]  # load T0+15 .. T0+25: two intervals
    assert lines["p95"].get_linestyle() == "None" and lines["p95"].get_marker() == "s"  # p95: squares


def test_a_percentile_with_too_few_samples_is_not_printed(tmp_path: Path) -> None:
    analysis = analyse(late_run(tmp_path / "run"))
    table = operations_table(analysis)
    column = table.header.index("p99.9")
    assert all(row[column] == NOT_SHOWN for row in table.rows)  # 500 requests < 1,000
    assert table.rows[0][table.header.index("p99")] != NOT_SHOWN
    assert any("p99.9" in note and "1,000" in note for note in table.notes)
    assert "search.p999_ms" in analysis.figures  # still in summary.json


def stepped_run(run_dir: Path) -> Path:
    """Steps of 1, 2, 4, 8 users, 20 s each, from the first user at T0+5; search and create_memory."""
    rows = [hist_row(T0 + k, "search", 10 * k, users=1 if 6 <= k <= 85 else 0) for k in range(1, 90)]
    scenario = {"load": {"shape": "steps", "steps": [1, 2, 4, 8], "step_duration_s": 20.0}, "arrival": None}
    make_run(run_dir, rows, start_unix=float(T0), end_unix=float(T0 + 90), scenario=scenario,
             thresholds={"search.p95_ms": "< 50"})
    samples = [(T0 + second + 0.5, op, "response_ms", 10.0 + second % 7)
               for second in range(5, 85) for op in ("search", "create_memory") for _ in range(5)]
    return write_interval_files(run_dir, samples)


def test_a_stepped_run_marks_its_steps_and_has_one_small_multiples_figure(tmp_path: Path) -> None:
    from memload.analysis.plots.kit import BOUNDARY_GID

    builders = {name: build for name, _, build in plot_specs(analyse(stepped_run(tmp_path / "run")))}
    for file_name in ("latency_search.png", "rps.png"):
        (ax, *_) = builders[file_name]().axes
        marks = [line.get_xdata()[0] for line in ax.get_lines() if line.get_gid() == BOUNDARY_GID]
        assert marks == [25.0, 45.0, 65.0], file_name  # first user at +5 s, steps of 20 s
    overview = builders["latency_overview.png"]()
    panels = [ax for ax in overview.axes if ax.get_visible()]
    assert [ax.get_title() for ax in panels] == ["total", "create_memory", "search"]
    search = panels[2]
    assert {"p50", "p95", "p99"} <= {line.get_label() for line in search.get_lines()}
    assert [line.get_label() for line in search.get_lines() if (line.get_gid() or "").startswith(THRESHOLD_GID_PREFIX)] \
        == ["threshold: search.p95_ms < 50 ms"]
    assert sum(1 for line in search.get_lines() if line.get_gid() == BOUNDARY_GID) == 3
    assert "latency_search.png" in builders  # the per-operation images are still written


def test_a_constant_run_has_no_step_marks(tmp_path: Path) -> None:
    from memload.analysis.plots.kit import BOUNDARY_GID

    builders = {name: build for name, _, build in plot_specs(analyse(late_run(tmp_path / "run")))}
    (ax,) = builders["latency_search.png"]().axes
    assert not [line for line in ax.get_lines() if line.get_gid() == BOUNDARY_GID]


def test_boundaries_are_where_the_load_changes() -> None:
    from memload.analysis.plots.kit import load_boundaries

    steps = {"scenario": {"load": {"shape": "steps", "steps": [1, 1, 2], "step_duration_s": 15.0}}}
    assert load_boundaries(steps, 100.0) == [130.0]  # 1 -> 1 at 115 is no change
    arrival = {"scenario": {"load": {"shape": "constant"}, "arrival": {"steps": [5, 10], "step_duration_s": 30.0}}}
    assert load_boundaries(arrival, 100.0) == [130.0]
    spike = {"scenario": {"load": {"shape": "spike", "spike_at_s": 60.0, "spike_duration_s": 30.0}}}
    assert load_boundaries(spike, 100.0) == [160.0, 190.0]
    assert load_boundaries({"scenario": {"load": {"shape": "constant"}}}, 100.0) == []
