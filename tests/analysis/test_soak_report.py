"""A soak run's report (issue 13): the Soak section near the top of report.md and report.html (the
verdict in words first), the soak figures in summary.json and thresholds on them, what the soak
plots drew, and `memload soak`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from memload.analysis.figures.analyse import analyse
from memload.analysis.plots.plotset import plot_specs
from memload.analysis.report import write_report
from memload.cli import main
from synthetic import SyntheticRun, write_synthetic_run
from synthetic_soak import SoakSpec, write_soak_run

SOAK_PLOTS = ("soak_target_resources.png", "soak_p95_windows.png", "soak_errors.png", "soak_loadgen_rss.png")


@pytest.fixture(scope="module")
def soak_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_soak_run(tmp_path_factory.mktemp("soak") / "run", SoakSpec()).run_dir


@pytest.fixture(scope="module")
def report_dir(soak_dir: Path) -> Path:
    return write_report(soak_dir).report_dir


def _set_thresholds(run_dir: Path, thresholds: dict[str, str]) -> dict[str, str]:
    """Replace the run's thresholds; returns the old ones."""
    path = run_dir / "run.json"
    meta = json.loads(path.read_text())
    old, meta["thresholds"] = meta["thresholds"], thresholds
    path.write_text(json.dumps(meta))
    return old


def test_the_report_opens_with_the_soak_verdict(report_dir: Path) -> None:
    markdown = (report_dir / "report.md").read_text()
    soak_at = markdown.index("### Soak (10 windows of 11.5 min after the warm-up)")
    assert soak_at < markdown.index("### Thresholds") < markdown.index("### Operations")
    section = markdown[soak_at:markdown.index("### Thresholds")]
    assert section.split("\n\n")[1].startswith("**LEAK: target RSS rising 20")
    assert "| 1 (first) | 0.08–0.28 | 300.0/s |" in section and "| 10 (last) |" in section
    assert "1 error burst(s); the first at 2027-01-15 09:00:00Z" in section
    assert "+3,600 s to +3,780 s" in section and "p95 drift: " in section
    html = (report_dir / "report.html").read_text()
    assert html.index('<div class="notice">Soak: LEAK: target RSS rising') < html.index("<h2>Soak")
    assert html.index("<h2>Soak") < html.index("<h2>Thresholds")
    for name in SOAK_PLOTS:
        assert (report_dir / "plots" / name).is_file()


def test_summary_json_carries_the_soak_figures_and_no_new_keys(report_dir: Path) -> None:
    summary = json.loads((report_dir / "summary.json").read_text())
    assert "soak" not in summary
    figures = summary["figures"]
    for address in ("target.rss_slope_mb_per_h", "target.num_fds_slope_per_h", "target.threads_slope_per_h",
                    "loadgen.rss_slope_mb_per_h", "soak.target_rss_slope_mb_per_h", "soak.hours_to_rss_limit",
                    "soak.p95_drift_pct", "soak.error_bursts", "soak.leaks"):
        assert address in figures, address
    assert figures["soak.leaks"] == 2 and figures["soak.error_bursts"] == 1


def test_thresholds_on_soak_figures_and_the_scenario_setting_the_leak_limit(soak_dir: Path, report_dir: Path) -> None:
    old = _set_thresholds(soak_dir, {"soak.leaks": "== 0", "target.rss_slope_mb_per_h": "< 30",
                               "soak.error_bursts": "<= 1"})
    try:
        analysis = analyse(soak_dir)
        assert analysis.exit_code == 1
        assert [r.threshold.address for r in analysis.results if not r.passed] == ["soak.leaks"]
        # the threshold on the slope is also its leak limit: 20 MB/h is no leak below 30 MB/h
        assert analysis.figures["soak.leaks"] == 1  # the fds still leak
    finally:
        _set_thresholds(soak_dir, old)


def _gids(figure) -> dict[str, object]:
    found = {}
    for ax in figure.axes:
        for artist in [*ax.lines, *ax.collections, *ax.patches]:
            if artist.get_gid():
                found[artist.get_gid()] = artist
    return found


def test_the_soak_plots_draw_trends_limits_windows_and_bursts(soak_dir: Path) -> None:
    analysis = analyse(soak_dir)
    builders = {name: build for name, _, build in plot_specs(analysis)}
    assert list(builders)[: len(SOAK_PLOTS)] == list(SOAK_PLOTS)
    target = builders["soak_target_resources.png"]()
    gids = _gids(target)
    for gid in ("soak:rss_mb:data", "soak:rss_mb:trend", "soak:rss_mb:band", "threshold:target.rss_mb",
                "soak:num_fds:trend", "soak:threads:data"):
        assert gid in gids, gid
    trend = gids["soak:rss_mb:trend"]
    x, y = trend.get_xdata(), trend.get_ydata()  # minutes since the start: 20 MB/h
    assert (y[-1] - y[0]) / ((x[-1] - x[0]) / 60) == pytest.approx(20.0, rel=0.05)
    assert gids["threshold:target.rss_mb"].get_ydata()[0] == 512
    assert target.axes[0].get_title() == "Target RSS: LEAK"
    labels = [t.get_text() for t in target.axes[0].get_legend().get_texts()]
    assert any(label.startswith("trend +20") and "MB/h [" in label for label in labels)

    p95 = _gids(builders["soak_p95_windows.png"]())
    assert {"soak:p95:windows", "soak:first_window", "soak:last_window", "soak:p95:trend"} <= set(p95)
    assert len(p95["soak:p95:windows"].get_xdata()) == 10

    errors = _gids(builders["soak_errors.png"]())
    burst = errors["soak:burst:0"]  # a Rectangle in minutes since the start
    assert burst.get_x() == pytest.approx(60.0) and burst.get_x() + burst.get_width() == pytest.approx(63.0)
    assert "soak:failures:total" in errors and "soak:failures:search" in errors
    assert np.max(errors["soak:failures:search"].get_ydata()) > 200

    harness = _gids(builders["soak_loadgen_rss.png"]())
    assert {"soak:harness:locust-master", "soak:harness:locust-worker-1", "soak:harness:locust-worker-2"} <= set(harness)


def test_memload_soak_prints_the_soak_figures_with_the_report_exit_code(soak_dir: Path) -> None:
    result = CliRunner().invoke(main, ["soak", str(soak_dir)])
    assert result.exit_code == 0, result.output
    assert "soak: 2 leak(s), target RSS +20" in result.output
    assert "1 error burst(s)" in result.output and result.output.rstrip().endswith("verdict: PASS")


def test_a_short_run_has_no_soak_section_and_memload_soak_says_why(tmp_path: Path) -> None:
    run_dir = write_synthetic_run(tmp_path / "short", SyntheticRun(duration_s=90, operations=("search",)))
    result = CliRunner().invoke(main, ["soak", str(run_dir)])
    assert result.exit_code == CliRunner().invoke(main, ["report", "-q", str(run_dir)]).exit_code
    assert "soak: no soak analysis: the steady window lasts 1.3 min, under the 10 min" in result.output
    assert "Soak" not in (run_dir / "report" / "report.md").read_text()
    assert not list((run_dir / "report" / "plots").glob("soak_*.png"))
