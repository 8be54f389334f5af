"""The side-by-side plot of two runs (the stall proof's), checked for what it drew."""
from __future__ import annotations

from pathlib import Path

import pytest

from memload.analysis.compare.curves import plot_percentile_curves, run_distribution
from memload.analysis.plots.requests import nines

from analysis_testkit import T0, hist_row, make_run, write_interval_files

OPEN = {50.0: 3.0, 90.0: 5.0, 99.0: 900.0, 99.9: 990.0, 100.0: 1001.0}
CLOSED = {50.0: 3.0, 90.0: 4.0, 99.0: 6.0, 99.9: 950.0, 100.0: 1000.0}


def test_one_labelled_line_per_run_with_p50_and_p99_marked() -> None:
    figure = plot_percentile_curves({"open model": OPEN, "closed model": CLOSED}, title="stall",
                                    reference_lines={"850 ms": 850.0}, log_y=True)
    (ax,) = figure.axes
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert list(lines["open model"].get_ydata()) == [3.0, 5.0, 900.0, 990.0, 1001.0]
    assert list(lines["closed model"].get_xdata()) == pytest.approx([nines(p) for p in sorted(CLOSED)])
    marks = {line.get_gid(): line.get_ydata()[0] for line in ax.get_lines() if (line.get_gid() or "").startswith("mark:")}
    assert marks == {"mark:open model:50": 3.0, "mark:open model:99": 900.0, "mark:closed model:50": 3.0,
                     "mark:closed model:99": 6.0}
    (reference,) = [line for line in ax.get_lines() if line.get_gid() == "reference:850 ms"]
    assert reference.get_ydata()[0] == 850.0
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["open model", "closed model", "850 ms"]
    assert ax.get_yscale() == "log" and ax.get_title() == "stall"
    texts = [t.get_text() for t in ax.texts]
    assert "p99 900 ms" in texts and "p99 6 ms" in texts


def test_a_runs_distribution_from_its_histograms(tmp_path: Path) -> None:
    rows = [hist_row(T0 + k, "search", 10 * k) for k in range(1, 31)]
    run_dir = make_run(tmp_path / "run", rows, start_unix=float(T0), end_unix=float(T0 + 31))
    samples = [(T0 + 0.01 * i, "search", "response_ms", 1.0 + i % 100) for i in range(3000)]
    write_interval_files(run_dir, samples)
    curve = run_distribution(run_dir)
    assert curve[50.0] == pytest.approx(50.0, rel=1e-3) and curve[100.0] == pytest.approx(100.0, rel=1e-3)
    assert run_distribution(run_dir, scope="search") == curve
    assert run_distribution(tmp_path / "run", window_unix=(T0 + 100, T0 + 200)) == {}
    assert run_distribution(make_run(tmp_path / "old", rows)) == {}
