"""Plots are checked for what they drew (lines, labels, threshold lines at the right height), not
by comparing images."""
from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from memload.analysis.plots.kit import THRESHOLD_GID_PREFIX, WARMUP_LABEL, png_bytes
from memload.analysis.plots.requests import nines, plot_distribution, plot_error_rate, plot_latency, plot_rps
from memload.analysis.plots.process import plot_cache_hit_rate, plot_loadgen_cpu, plot_target_resources
from memload.analysis.plots.series import MAX_POINTS, Series, TimeAxis, bin_edges, binned
from memload.scenario.thresholds import parse_thresholds

from analysis_testkit import T0

AXIS = TimeAxis.for_run(float(T0), 60.0)
TIMES = T0 + np.arange(0.5, 60.0, 1.0)


def _series(values, label: str = "") -> Series:
    return Series(t_unix=TIMES, values=np.asarray(values, dtype=float), label=label)


def _lines(ax) -> dict[str, object]:
    return {line.get_label(): line for line in ax.get_lines()}


def _threshold_ys(ax) -> dict[str, float]:
    return {line.get_gid()[len(THRESHOLD_GID_PREFIX):]: line.get_ydata()[0] for line in ax.get_lines()
            if (line.get_gid() or "").startswith(THRESHOLD_GID_PREFIX)}


def test_rps_has_a_line_per_operation_and_users_on_a_second_axis() -> None:
    rps = {"total": _series(np.full(60, 30.0)), "search": _series(np.full(60, 10.0)),
           "create_memory": _series(np.full(60, 20.0))}
    figure = plot_rps(AXIS, rps, _series(np.linspace(1, 50, 60), "users"), warmup_s=5.0,
                      thresholds=parse_thresholds({"total.rps": "> 25"}))
    ax, twin = figure.axes
    lines = _lines(ax)
    assert {"total", "search", "create_memory"} <= set(lines)
    assert list(lines["search"].get_ydata()) == [10.0] * 60
    assert list(lines["search"].get_xdata()) == pytest.approx(list(TIMES - T0))
    assert _threshold_ys(ax) == {"total.rps": 25.0}
    assert ax.get_ylabel() == "requests/s" and ax.get_xlabel() == "time since start (s)"
    assert "requests per second" in ax.get_title()
    assert twin.get_ylabel() == "users (concurrent)" and _lines(twin)["users"].get_ydata()[-1] == 50.0
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "users" in legend and WARMUP_LABEL in legend and "threshold: total.rps > 25 req/s" in legend


def test_latency_draws_p50_p95_p99_and_only_that_operations_thresholds() -> None:
    latency = {"p50": _series(np.full(60, 5.0)), "p95": _series(np.full(60, 9.0)), "p99": _series(np.full(60, 12.0))}
    thresholds = parse_thresholds({"search.p95_ms": "< 50", "search.p99_ms": "< 80", "create_memory.p95_ms": "< 5",
                                   "search.avg_ms": "< 3"})
    figure = plot_latency(AXIS, "search", latency, warmup_s=0.0, thresholds=thresholds)
    (ax,) = figure.axes
    assert {"p50", "p95", "p99"} <= set(_lines(ax))
    assert _threshold_ys(ax) == {"search.p95_ms": 50.0, "search.p99_ms": 80.0}
    assert ax.get_ylim()[1] >= 80.0 and ax.get_ylabel() == "response time (ms)"
    assert "search" in ax.get_title()
    assert WARMUP_LABEL not in [t.get_text() for t in ax.get_legend().get_texts()]  # no warm-up


def test_error_rate_is_in_percent_with_the_threshold_scaled_alike() -> None:
    rates = {"total": _series(np.full(60, 0.002)), "search": _series(np.full(60, 0.004)),
             "create_memory": _series(np.zeros(60))}
    figure = plot_error_rate(AXIS, rates, warmup_s=0.0, thresholds=parse_thresholds({"total.error_rate": "< 0.001"}))
    (ax,) = figure.axes
    lines = _lines(ax)
    assert lines["total"].get_ydata()[0] == pytest.approx(0.2)
    assert "create_memory" not in lines  # no failures: no line at 0
    assert _threshold_ys(ax) == {"total.error_rate": pytest.approx(0.1)}
    assert "%" in ax.get_ylabel()


def test_distribution_puts_percentiles_on_a_nines_axis() -> None:
    figure = plot_distribution({"search": {50.0: 5.0, 90.0: 8.0, 99.0: 20.0, 99.9: 30.0, 100.0: 42.0}},
                               method="history_10s_snapshots_mixture")
    (ax,) = figure.axes
    line = _lines(ax)["search"]
    assert list(line.get_xdata()) == pytest.approx([nines(50), 1.0, 2.0, 3.0, 5.0])
    assert list(line.get_ydata()) == [5.0, 8.0, 20.0, 30.0, 42.0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["50%", "90%", "99%", "99.9%", "99.99%", "max"]
    assert "approximate" in ax.get_title()


def test_target_memory_has_its_threshold_line_only_when_the_scenario_sets_one() -> None:
    cpu, rss = _series(np.full(60, 40.0)), _series(np.linspace(100, 200, 60))
    (ax_cpu, ax_rss) = plot_target_resources(AXIS, cpu, rss, warmup_s=0.0).axes
    assert _threshold_ys(ax_rss) == {} and not any("512" in t.get_text() for t in ax_rss.get_legend().get_texts())
    assert ax_rss.get_ylim()[1] < 512 and ax_rss.get_ylabel() == "RSS (MB)"
    assert ax_cpu.get_ylabel() == "CPU (% of one core)"
    with_threshold = plot_target_resources(AXIS, cpu, rss, warmup_s=0.0,
                                           thresholds=parse_thresholds({"target.rss_mb": "< 300"}))
    assert _threshold_ys(with_threshold.axes[1]) == {"target.rss_mb": 300.0}
    legend = [t.get_text() for t in with_threshold.axes[1].get_legend().get_texts()]
    assert "threshold: target.rss_mb < 300 MB" in legend


def test_loadgen_cpu_has_a_warning_band_from_90_percent() -> None:
    figure = plot_loadgen_cpu(AXIS, [_series(np.full(60, 95.0), "locust (pid 7)")], warmup_s=0.0)
    (ax,) = figure.axes
    assert "locust (pid 7)" in _lines(ax)
    (band,) = ax.patches
    assert band.get_y() == pytest.approx(90.0) and band.get_y() + band.get_height() >= 100.0  # data units
    assert band.get_label().startswith("above 90%")


def test_cache_hit_rate_in_percent_with_its_threshold() -> None:
    figure = plot_cache_hit_rate(AXIS, _series(np.full(60, 0.95)), warmup_s=0.0,
                                 thresholds=parse_thresholds({"target.cache_hit_rate": "> 0.9"}))
    (ax,) = figure.axes
    assert _lines(ax)["cache hit rate"].get_ydata()[0] == pytest.approx(95.0)
    assert _threshold_ys(ax) == {"target.cache_hit_rate": pytest.approx(90.0)}


def test_long_runs_are_binned_to_at_most_max_points_whole_seconds_wide() -> None:
    edges = bin_edges(float(T0), float(T0 + 86_400))
    assert edges.size - 1 <= MAX_POINTS and np.all(np.diff(edges) == np.diff(edges)[0])
    assert np.diff(edges)[0] == 44.0 and edges[-1] >= T0 + 86_400
    times = np.array([0.0, 0.5, 1.0, 2.5]) + T0
    small = bin_edges(float(T0), float(T0 + 3))
    assert list(binned(times, np.array([1.0, 3.0, 10.0, 7.0]), small)) == [2.0, 10.0, 7.0]
    assert list(binned(times, np.array([1.0, 3.0, 10.0, 7.0]), small, how="max")) == [3.0, 10.0, 7.0]


def test_a_plot_renders_to_png_without_pyplot() -> None:
    figure = plot_cache_hit_rate(AXIS, _series(np.full(60, 0.5)), warmup_s=0.0)
    assert isinstance(figure, Figure) and png_bytes(figure).startswith(b"\x89PNG")


def test_latency_goes_log_scale_when_the_threshold_is_far_above_the_data() -> None:
    latency = {"p50": _series(np.full(60, 2.0)), "p99": _series(np.full(60, 6.0))}
    (ax,) = plot_latency(AXIS, "search", latency, warmup_s=0.0,
                         thresholds=parse_thresholds({"search.p99_ms": "< 250"})).axes
    assert ax.get_yscale() == "log" and ax.get_ylim()[0] <= 1.0 and ax.get_ylim()[1] >= 250.0
    assert _threshold_ys(ax) == {"search.p99_ms": 250.0} and "log scale" in ax.get_ylabel()


def test_latency_title_names_where_the_percentiles_come_from() -> None:
    latency = {"p50": _series(np.full(60, 5.0))}
    (ax,) = plot_latency(AXIS, "search", latency, warmup_s=0.0,
                         source="memload's HDR histograms, per 10 s interval").axes
    assert ax.get_title() == "Response time of search (memload's HDR histograms, per 10 s interval)"
    (ax,) = plot_latency(AXIS, "search", latency, warmup_s=0.0).axes
    assert "Locust's 10 s window percentiles" in ax.get_title()
