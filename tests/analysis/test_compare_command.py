"""`memload compare BASELINE CANDIDATE [MORE...]` on synthetic runs (issue 15): the outputs
(compare.html, compare.md, compare.json, junit.xml, plots), exit codes 0 / 1 / 2, limits from the
command line and the scenario's [compare] table, --force, the LLM and target figures."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from analysis_testkit import T0
from memload.analysis.compare.report import build_comparison
from memload.analysis.compare.limits import LimitSet
from memload.analysis.compare.stats import Limits
from memload.analysis.compare.plots import latency_curves, p95_by_operation
from memload.analysis.plots.requests import nines
from memload.cli import main
from synthetic_compare import scenario_dict, synthetic_run


def _compare(*args: str):
    return CliRunner().invoke(main, ["compare", *args])


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A baseline, an identical candidate, a candidate 20 ms slower on search (each with the
    target's CPU and RSS; the slow one uses 30 % more memory)."""
    root = tmp_path_factory.mktemp("runs")
    return {
        "base": synthetic_run(root / "base", seed=21, target=(40.0, 100.0)),
        "same": synthetic_run(root / "same", seed=22, target=(40.0, 100.0)),
        "slow": synthetic_run(root / "slow", seed=2, shift_ms={"search": 20.0}, target=(40.0, 130.0)),
    }


def _json(out: Path) -> dict:
    return json.loads((out / "compare.json").read_text())


def test_a_real_regression_exits_1_with_every_output(runs: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _compare(str(runs["base"]), str(runs["slow"]), "--out", str(out), "--run-noise-pct", "5")
    assert result.exit_code == 1, result.output
    assert "compare verdict: regressed (exit 1)" in result.output
    assert re.search(r"regressed +search\.p95_ms +\+\d+\.\d %  95 % CI \[\+\d", result.output)
    document = _json(out)
    assert document["verdict"] == "regressed" and document["exit_code"] == 1
    assert document["method"]["test"].startswith("two-sided t test") and document["method"]["alpha"] == 0.05
    assert document["method"]["run_noise_pct"]["p95_ms"] == 5.0  # the option, for every figure
    rows = {row["address"]: row for row in document["candidates"][0]["rows"]}
    search = rows["search.p95_ms"]
    assert search["verdict"] == "regressed" and search["fails"] and search["ci_low_pct"] > 100
    assert search["run_noise_pct"] == 5.0
    assert search["candidate"] / search["baseline"] == pytest.approx(1 + search["change_pct"] / 100)
    assert rows["target.rss_mb"]["verdict"] == "regressed" and rows["target.rss_mb"]["change_pct"] > 20
    assert rows["target.cpu_per_req_ms"]["n_baseline"] == 20
    failing = sorted(address for address, row in rows.items() if row["fails"])
    junit = ET.parse(out / "junit.xml").getroot()
    assert junit.get("failures") == str(len(failing)) and junit.get("tests") == str(len(rows))
    assert sorted(case.get("name") for case in junit.iter("testcase") if case.find("failure") is not None) == failing
    markdown = (out / "compare.md").read_text()
    assert markdown.startswith("## memload compare: regressed") and "| search.p95_ms |" in markdown
    html = (out / "compare.html").read_text()
    assert html.count("data:image/png;base64,") == len(list((out / "plots").glob("*.png"))) >= 4
    assert "http://" not in html and "https://" not in html and "<script" not in html
    assert {"p95_by_operation.png", "throughput.png", "latency_total.png", "latency_search.png"} <= {
        p.name for p in (out / "plots").iterdir()
    }


def test_identical_runs_exit_0_and_unchanged_with_intervals(runs: dict[str, Path]) -> None:
    result = _compare(str(runs["base"]), str(runs["same"]))
    assert result.exit_code == 0, result.output
    document = _json(runs["same"] / "compare")  # default: CANDIDATE/compare/
    rows = document["candidates"][0]["rows"]
    assert document["verdict"] == "~" and {row["verdict"] for row in rows} == {"~"}
    assert all(row["ci_low_pct"] < row["ci_high_pct"] for row in rows if row["figure"] != "error_rate")


def test_limits_from_the_command_line_and_the_scenario(runs: dict[str, Path], tmp_path: Path) -> None:
    loose = ("--max-regression-pct", "1000", "--max-regression-pct", "target.rss_mb=50")
    result = _compare(str(runs["base"]), str(runs["slow"]), "--out", str(tmp_path / "a"), *loose)
    assert result.exit_code == 0, result.output
    rows = {r["address"]: r for r in _json(tmp_path / "a")["candidates"][0]["rows"]}
    assert rows["search.p95_ms"]["verdict"] == "regressed" and not rows["search.p95_ms"]["fails"]
    assert rows["target.rss_mb"]["max_regression_pct"] == 50.0
    # the candidate's scenario table, and the command line over it
    scenario = dict(scenario_dict(), compare={"max_regression_pct": 1000.0, "p95_ms": {"max_regression_pct": 5.0}})
    candidate = synthetic_run(tmp_path / "cand", seed=2, shift_ms={"search": 20.0}, scenario=scenario)
    result = _compare(str(runs["base"]), str(candidate), "--out", str(tmp_path / "b"))
    assert result.exit_code == 1
    fails = {r["address"] for r in _json(tmp_path / "b")["candidates"][0]["rows"] if r["fails"]}
    assert fails == {"search.p95_ms", "total.p95_ms"}
    result = _compare(str(runs["base"]), str(candidate), "--max-regression-pct", "search.p95_ms=1000", "-q")
    assert result.exit_code == 1 and "FAIL" not in result.output  # -q: only the verdict lines
    result = _compare(str(runs["base"]), str(candidate), "--max-regression-pct", "p95_ms=1000", "-q")
    assert result.exit_code == 0


@pytest.mark.parametrize(
    "option, message",
    [
        (("--max-regression-pct", "ten"), "--max-regression-pct ten: not PCT or FIGURE=PCT"),
        (("--max-regression-pct", "search.p42_ms=5"), "unknown figure 'p42_ms'"),
        (("--min-improvement-pct", "serch.p95_ms=5"), "unknown scope 'serch'"),
        (("--max-regression-pct", "-3"), "must be a number of percent >= 0"),
    ],
)
def test_a_bad_limit_is_a_usage_error(runs: dict[str, Path], option: tuple[str, str], message: str) -> None:
    result = _compare(str(runs["base"]), str(runs["same"]), *option)
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


def test_runs_that_differ_are_refused_unless_forced(runs: dict[str, Path], tmp_path: Path) -> None:
    other = dict(scenario_dict(name="other", seed=7))
    candidate = synthetic_run(tmp_path / "other", seed=22, scenario=other)
    result = _compare(str(runs["base"]), str(candidate))
    assert result.exit_code == 2
    assert "differ in scenario: 'steady' -> 'other'; seed: 1 -> 7; use --force" in result.output
    assert not (candidate / "compare").exists()
    result = _compare(str(runs["base"]), str(candidate), "--force")
    assert result.exit_code == 0, result.output
    assert "warning: settings differ (--force): scenario: 'steady' -> 'other'; seed: 1 -> 7" in result.output
    differences = _json(candidate / "compare")["candidates"][0]["differences"]
    assert differences == [
        {"setting": "scenario", "baseline": "steady", "candidate": "other"},
        {"setting": "seed", "baseline": 1, "candidate": 7},
    ]


def test_unreadable_runs_and_missing_arguments_exit_2(runs: dict[str, Path], tmp_path: Path) -> None:
    result = _compare(str(runs["base"]), str(tmp_path / "nowhere"))
    assert result.exit_code == 2 and "does not exist" in result.output and "Traceback" not in result.output
    result = _compare("no-such-baseline", str(runs["same"]), "--results", str(tmp_path))
    assert result.exit_code == 2
    assert "'no-such-baseline' is neither a run directory nor a saved baseline" in result.output
    assert _compare(str(runs["base"])).exit_code == 2  # no candidate


def test_more_runs_are_each_compared_with_the_baseline(runs: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _compare(str(runs["base"]), str(runs["same"]), str(runs["slow"]), "--out", str(out))
    assert result.exit_code == 1
    candidates = _json(out)["candidates"]
    assert [c["verdict"] for c in candidates] == ["~", "regressed"]
    assert [Path(c["dir"]).name for c in candidates] == ["same", "slow"]


def test_the_plots_draw_what_the_table_says(runs: dict[str, Path]) -> None:
    comparison = build_comparison(runs["base"], [runs["same"], runs["slow"]], LimitSet(), force=False)
    figure = p95_by_operation(comparison)
    top, bottom = figure.axes
    heights = [bar.get_height() for bar in top.patches]
    assert len(heights) == 3 * 3  # (create_memory, search, total) x 3 runs
    slow = {row.address: row.change for row in comparison.candidates[1].table.rows}
    changes = [bar.get_height() for bar in bottom.patches]
    assert changes[3 + 1] == pytest.approx(slow["search.p95_ms"].change_pct)
    assert bottom.patches[3 + 1].get_facecolor()[:3] == pytest.approx((0xD6 / 255, 0x27 / 255, 0x28 / 255))
    curves = latency_curves(comparison, "search")
    (ax,) = curves.axes
    lines = [line for line in ax.get_lines() if not (line.get_gid() or "").startswith("mark:")]
    assert [line.get_label() for line in lines] == ["baseline: base", "same", "slow"]
    assert max(max(line.get_xdata()) for line in lines) == pytest.approx(nines(99.9))


def test_llm_figures_are_compared_where_recorded(tmp_path: Path) -> None:
    from analysis_testkit import hist_row, make_run, write_interval_files

    def llm_run(path: Path, ttft_ms: float) -> Path:
        samples = []
        for k in range(12):
            for i in range(40):
                t = T0 + 10 * k + i * 0.25
                samples += [(t, "llm_chat", "response_ms", 50.0 + i % 7), (t, "llm_chat", "ttft_ms", ttft_ms + i % 5)]
                samples.append((t, "llm_chat", "tpot_ms", 2.0 + (i % 3) * 0.1))
        make_run(path, [hist_row(t, "llm_chat", 1) for t in range(T0 + 1, T0 + 120)], start_unix=float(T0),
                 end_unix=float(T0 + 120), scenario=scenario_dict())
        return write_interval_files(path, samples)

    quiet = LimitSet(overall=Limits(run_noise_pct=0.0))  # the intervals alone (synthetic runs have no run effect)
    comparison = build_comparison(llm_run(tmp_path / "a", 10.0), [llm_run(tmp_path / "b", 20.0)], quiet, force=False)
    rows = {row.address: row.change for row in comparison.candidates[0].table.rows}
    assert {"llm_chat.ttft_p50_ms", "llm_chat.ttft_p95_ms", "llm_chat.tpot_p95_ms", "total.ttft_p95_ms"} <= set(rows)
    assert rows["llm_chat.ttft_p50_ms"].verdict == "regressed" and rows["llm_chat.ttft_p50_ms"].change_pct > 50
    assert rows["llm_chat.tpot_p50_ms"].verdict == "~"


def test_run_with_a_missing_baseline_stops_before_anything_starts(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["run", "smoke", "--out", str(tmp_path), "--baseline", "v9"])
    assert result.exit_code == 2
    assert f"--baseline: 'v9' is neither a run directory nor a saved baseline in {tmp_path / 'baselines'}" in result.output
    assert list(tmp_path.iterdir()) == []  # no run directory: nothing ran
