"""A real memload run (tests/data/memload-run/, see its README): what analysis makes of the files a
run writes, against figures computed here without analysis: histograms decoded and added with
hdrh, counts summed from the CSV rows, the steady window worked out from run.json and Locust's
history by the documented rules (docs/analysis.md)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from hdrh.histogram import HdrHistogram

from memload.analysis.figures.analyse import analyse
from memload.analysis.plots.kit import THRESHOLD_GID_PREFIX
from memload.analysis.plots.plotset import plot_specs
from memload.analysis.report import write_report
from memload.loadgen.histograms import new_histogram

RUN_DIR = Path(__file__).resolve().parents[1] / "data" / "memload-run"
OPERATIONS = (
    "create_memory",
    "create_memory_batch",
    "delete_memory",
    "embed",
    "get_memory",
    "list_memories",
    "llm_chat",
    "rag_query",
    "search",
)
# facts of this run, checked below against the files: the load ran from 1 s before the first history
# row with users to 1 s after the last; the steady window starts 3 s (the warm-up) after the load, so
# interval 700 holds warm-up requests and is left out; 720's midpoint is after the load's end
LOAD = (1796040702.0, 1796040723.0)
STEADY_INTERVALS = [1796040710]
STEADY_S = 10.0
ALL_INTERVALS = [1796040700, 1796040710, 1796040720]
PERCENTS = {"p50": 50.0, "p90": 90.0, "p95": 95.0, "p99": 99.0, "p999": 99.9}


def _rows(name: str) -> list[dict[str, str]]:
    with (RUN_DIR / name).open(newline="") as handle:
        return list(csv.DictReader(handle))


def _meta() -> dict:
    return json.loads((RUN_DIR / "run.json").read_text())


def _hdrh(metric: str, scopes: tuple[str, ...], intervals: list[int]) -> HdrHistogram:
    """hdrh's own decode and add of the chosen rows of hdr_histograms.csv."""
    merged = new_histogram()
    for row in _rows("hdr_histograms.csv"):
        if row["metric"] == metric and row["scope"] in scopes and int(row["interval_start"]) in intervals:
            merged.add(HdrHistogram.decode(row["histogram"]))
    return merged


def _counts(counter: str, scopes: tuple[str, ...], intervals: list[int]) -> float:
    return float(
        sum(
            int(r[counter])
            for r in _rows("interval_counts.csv")
            if r["scope"] in scopes and int(r["interval_start"]) in intervals
        )
    )


def _load_seconds(start: float) -> float:
    """Seconds of load in the interval that starts at ``start``."""
    return max(0.0, min(start + 10.0, LOAD[1]) - max(start, LOAD[0]))


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    """A copy of the golden run: write_report writes report/ into it."""
    return Path(shutil.copytree(RUN_DIR, tmp_path / "memload-run"))


def test_the_window_follows_the_documented_rules() -> None:
    busy = [float(r["Timestamp"]) for r in _rows("locust_stats_history.csv") if float(r["User Count"]) > 0]
    assert (min(busy) - 1.0, max(busy) + 1.0) == LOAD
    steady_start = LOAD[0] + _meta()["warmup_s"]  # the warm-up counts from the first user
    assert LOAD[0] - _meta()["start_unix"] > 0.5  # Locust's users started after memload did
    chosen = [s for s in ALL_INTERVALS if steady_start - 1 <= s and s + 5 <= LOAD[1]]
    assert chosen == STEADY_INTERVALS
    analysis = analyse(RUN_DIR)
    assert analysis.source.name == "memload_files" and not analysis.source.locust_only
    assert (analysis.window.load_start_s, analysis.window.load_end_s) == LOAD
    assert list(analysis.view.intervals) == STEADY_INTERVALS
    assert analysis.window.start_unix == steady_start
    assert analysis.view.covered_s == sum(_load_seconds(s) for s in STEADY_INTERVALS) == STEADY_S


def test_memloads_counters_are_complete() -> None:
    """Over the whole run, interval_counts.csv holds every request Locust counted."""
    (aggregated,) = [r for r in _rows("locust_stats.csv") if r["Name"] == "Aggregated"]
    assert _counts("requests", OPERATIONS, ALL_INTERVALS) == float(aggregated["Request Count"]) == 3515


@pytest.mark.parametrize("scope", [*OPERATIONS, "total"])
def test_request_figures_are_hdrhs_over_the_steady_intervals(scope: str) -> None:
    figures = analyse(RUN_DIR).figures
    scopes = OPERATIONS if scope == "total" else (scope,)
    reference = _hdrh("response_ms", scopes, STEADY_INTERVALS)
    assert reference.get_total_count() > 50
    for label, percent in PERCENTS.items():
        assert figures[f"{scope}.{label}_ms"] == reference.get_value_at_percentile(percent) / 1000.0
    assert figures[f"{scope}.max_ms"] == reference.get_max_value() / 1000.0
    assert figures[f"{scope}.avg_ms"] == pytest.approx(reference.get_mean_value() / 1000.0, rel=1e-9)
    requests = _counts("requests", scopes, STEADY_INTERVALS)
    assert figures[f"{scope}.requests"] == requests == reference.get_total_count()
    assert figures[f"{scope}.failures"] == _counts("failures", scopes, STEADY_INTERVALS) == 0
    assert figures[f"{scope}.rps"] == pytest.approx(requests / STEADY_S)
    assert figures[f"{scope}.error_rate"] == 0.0


def test_llm_figures_are_hdrhs_and_the_counts() -> None:
    figures = analyse(RUN_DIR).figures
    for name in ("ttft", "itl", "tpot", "e2e"):
        reference = _hdrh(f"{name}_ms", ("llm_chat",), STEADY_INTERVALS)
        assert figures[f"llm_chat.{name}_p95_ms"] == reference.get_value_at_percentile(95) / 1000.0
        assert figures[f"llm_chat.{name}_ms"] == pytest.approx(reference.get_mean_value() / 1000.0, rel=1e-9)
    tokens = _counts("output_tokens", ("llm_chat",), STEADY_INTERVALS)
    assert figures["llm_chat.output_tokens_per_s"] == pytest.approx(tokens / STEADY_S)
    assert figures["llm_chat.output_tokens"] == pytest.approx(
        tokens / _counts("llm_requests", ("llm_chat",), STEADY_INTERVALS)
    )


def _drawn(run_dir: Path, file_name: str):
    """The Axes a report's plot drew and its lines by label (a second y axis: ``axes[1]``)."""
    builders = {name: build for name, _, build in plot_specs(analyse(run_dir))}
    figure = builders[file_name]()
    return figure.axes[0], {line.get_label(): line for axes in figure.axes for line in axes.get_lines()}


def test_the_rps_plot_draws_interval_counts_per_second_of_load(run_dir: Path) -> None:
    ax, lines = _drawn(run_dir, "rps.png")
    start = _meta()["start_unix"]
    middles = [(max(s, LOAD[0]) + min(s + 10.0, LOAD[1])) / 2.0 for s in ALL_INTERVALS]
    assert list(lines["total"].get_xdata()) == pytest.approx([m - start for m in middles])
    assert max(lines["total"].get_xdata()) < LOAD[1] - start  # no point after the load
    seconds = np.array([_load_seconds(s) for s in ALL_INTERVALS])
    assert list(seconds) == [8.0, 10.0, 3.0]  # the run starts inside the first, the load ends in the last
    for scope in [*OPERATIONS, "total"]:
        scopes = OPERATIONS if scope == "total" else (scope,)
        per_interval = [_counts("requests", scopes, [s]) for s in ALL_INTERVALS]
        assert list(lines[scope].get_ydata()) == pytest.approx(list(np.array(per_interval) / seconds))
    total = float(np.sum(lines["total"].get_ydata() * seconds))
    assert total == pytest.approx(_counts("requests", OPERATIONS, ALL_INTERVALS)) and round(total) == 3515
    assert "interval_counts.csv" in ax.get_title()
    users = lines["users"].get_ydata()  # from Locust's history, per second
    assert len(users) > 20 and np.nanmax(users) == 10


def test_the_error_rate_plot_comes_from_interval_counts_with_its_threshold(run_dir: Path) -> None:
    ax, lines = _drawn(run_dir, "error_rate.png")
    assert list(lines["total"].get_ydata()) == [0.0, 0.0, 0.0]  # three intervals, no failure
    assert "create_memory" not in lines  # no failures: no line at 0
    thresholds = {
        line.get_gid()[len(THRESHOLD_GID_PREFIX) :]: line.get_ydata()[0]
        for line in ax.get_lines()
        if (line.get_gid() or "").startswith(THRESHOLD_GID_PREFIX)
    }
    assert thresholds == {"total.error_rate": pytest.approx(1.0)}  # "< 0.01", in percent
    assert "interval_counts.csv" in ax.get_title()


def test_the_latency_plot_of_an_interval_is_hdrhs_of_that_interval(run_dir: Path) -> None:
    ax, lines = _drawn(run_dir, "latency_search.png")
    second = _hdrh("response_ms", ("search",), [1796040710])
    assert lines["p95"].get_ydata()[1] == second.get_value_at_percentile(95) / 1000.0
    assert "memload's HDR histograms, per 10 s interval" in ax.get_title()


SUMMARY_KEYS = [
    "exit_code",
    "figures",
    "notices",
    "operations",
    "percentile_method",
    "run",
    "schema_version",
    "thresholds",
    "verdict",
    "warnings",
    "window",
    "llm",
    "diagnosis",
]
WINDOW_KEYS = [
    "covered_s",
    "duration_s",
    "end_unix",
    "interval_s",
    "intervals",
    "load_end_unix",
    "load_start_unix",
    "run_end_unix",
    "run_start_unix",
    "start_unix",
    "warmup_s",
]


def test_the_report_is_written_and_summary_keys_are_stable(run_dir: Path) -> None:
    outcome = write_report(run_dir)
    assert outcome.verdict == "PASS" and outcome.exit_code == 0
    summary = json.loads((outcome.report_dir / "summary.json").read_text())
    assert sorted(summary) == sorted(SUMMARY_KEYS)
    assert sorted(summary["window"]) == WINDOW_KEYS and summary["window"]["intervals"] == STEADY_INTERVALS
    assert summary["percentile_method"] == ["hdr_histograms_exact"]
    expected_figures = json.loads((RUN_DIR / "summary_figures.json").read_text())
    assert sorted(summary["figures"]) == expected_figures
    for entry in summary["thresholds"]:
        assert entry["measured"] == summary["figures"][entry["address"]] and entry["passed"]
    assert summary["llm"]["token_source"].startswith("usage chunk")
    md = (outcome.report_dir / "report.md").read_text()
    assert "Exact: percentiles, mean and max from memload's HDR histograms" in md
    assert "Locust's rounded" not in md
    plots = {p.name for p in (outcome.report_dir / "plots").iterdir()}
    assert {
        "rps.png",
        "error_rate.png",
        "latency_search.png",
        "ttft_llm_chat.png",
        "output_tokens_per_s.png",
        "target_resources.png",
        "cache_hit_rate.png",
    } <= plots
