"""write_report end to end: the files of report/, what they say, and runs that were cut short."""
from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from memload.analysis.report import ReportError, ReportOutcome, write_report
from synthetic import SyntheticRun, write_synthetic_run

from analysis_testkit import GOLDEN_DIR, GOLDEN_FILES


@pytest.fixture(scope="module")
def golden_report(tmp_path_factory) -> tuple[ReportOutcome, Path]:
    run_dir = tmp_path_factory.mktemp("report") / "golden"
    run_dir.mkdir()
    for name in GOLDEN_FILES:
        shutil.copy(GOLDEN_DIR / name, run_dir / name)
    return write_report(run_dir), run_dir / "report"


def test_the_outcome_of_a_passing_run(golden_report) -> None:
    outcome, report_dir = golden_report
    assert (outcome.exit_code, outcome.verdict, outcome.report_dir) == (0, "PASS", report_dir)
    assert any(w.startswith("warm-up excluded") for w in outcome.warnings)
    assert {p.name for p in report_dir.iterdir()} == {"plots", "report.html", "report.md", "summary.json", "junit.xml"}
    assert {p.name for p in (report_dir / "plots").iterdir()} == {
        "rps.png", "latency_overview.png", "latency_create_memory.png", "latency_search.png", "latency_total.png",
        "error_rate.png", "latency_distribution.png"}


def test_summary_json_has_every_figure_thresholds_and_a_schema_version(golden_report) -> None:
    outcome, report_dir = golden_report
    summary = json.loads((report_dir / "summary.json").read_text())
    assert summary["schema_version"] == 1 and summary["verdict"] == "PASS" and summary["exit_code"] == 0
    assert summary["figures"] == pytest.approx(outcome.figures)
    assert {"search.p95_ms", "total.rps", "create_memory.error_rate", "total.max_ms"} <= set(summary["figures"])
    assert summary["thresholds"][0] == {"address": "search.p95_ms", "condition": "< 100", "op": "<",
                                        "limit": 100.0, "measured": summary["figures"]["search.p95_ms"],
                                        "passed": True}
    assert summary["window"]["warmup_s"] == 5.0 and summary["run"]["scenario_name"] == "golden"
    assert summary["operations"]["search"] == {"types": ["GET"]}
    assert summary["percentile_method"] == ["history_10s_snapshots_mixture"]


def test_junit_has_one_case_per_threshold(golden_report) -> None:
    _, report_dir = golden_report
    suite = ET.parse(report_dir / "junit.xml").getroot().find("testsuite")
    assert suite.get("tests") == "3" and suite.get("failures") == "0"
    assert [c.get("name") for c in suite.iter("testcase")] == [
        "search.p95_ms < 100", "total.error_rate < 0.05", "create_memory.rps > 1"]


def test_html_is_self_contained(golden_report) -> None:
    _, report_dir = golden_report
    html = (report_dir / "report.html").read_text()
    assert html.startswith("<!DOCTYPE html>")
    # every plot but the per-operation latency plots, which the overview's small multiples replace (linked)
    assert html.count('src="data:image/png;base64,') == len(list((report_dir / "plots").iterdir())) - 3
    assert 'href="plots/latency_search.png"' in html
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', html) and "<script" not in html
    assert html.index('class="verdict PASS"') < html.index("<h2>Thresholds</h2>") < html.index("<h2>Plots</h2>")
    for text in ("Operations (steady window)", "CatchResponseError(&#39;status 500&#39;)", "golden exception",
                 "Run metadata", "percentiles approximate"):
        assert text in html


def test_markdown_has_the_verdict_and_tables(golden_report) -> None:
    _, report_dir = golden_report
    md = (report_dir / "report.md").read_text()
    assert md.startswith("## memload: golden: ✅ PASS")
    assert "| search.p95_ms | < 100 | 40 ms | pass |" in md
    assert re.search(r"^\| search \| GET \| 1,214 \| 47 \|", md, re.M)


def test_a_failing_and_an_absent_figure_fail_with_measured_against_required(golden_run: Path, set_meta) -> None:
    set_meta(golden_run, thresholds={"search.p95_ms": "< 1", "llm_chat.ttft_p95_ms": "< 2000", "total.rps": "> 1"})
    outcome = write_report(golden_run)
    assert (outcome.exit_code, outcome.verdict) == (1, "FAIL")
    assert [r.threshold.address for r in outcome.failed] == ["search.p95_ms", "llm_chat.ttft_p95_ms"]
    failures = {c.get("name"): c.find("failure") for c in ET.parse(golden_run / "report" / "junit.xml").iter("testcase")}
    assert failures["search.p95_ms < 1"].get("message") == "search.p95_ms: measured 40 ms, required < 1"
    assert failures["llm_chat.ttft_p95_ms < 2000"].get("message").endswith("measured n/a, required < 2000")
    assert failures["total.rps > 1"] is None
    summary = json.loads((golden_run / "report" / "summary.json").read_text())
    assert summary["thresholds"][1]["measured"] is None and summary["verdict"] == "FAIL"
    assert "llm_chat.ttft_p95_ms" not in summary["figures"]
    assert "| **search.p95_ms** | **< 1** | **40 ms** | **FAIL** |" in (golden_run / "report" / "report.md").read_text()


def test_no_thresholds_passes_with_its_own_verdict(golden_run: Path, set_meta) -> None:
    set_meta(golden_run, thresholds={})
    outcome = write_report(golden_run)
    assert (outcome.exit_code, outcome.verdict) == (0, "NO THRESHOLDS")
    assert ET.parse(golden_run / "report" / "junit.xml").getroot().get("tests") == "0"


def test_an_interrupted_run_is_reported_not_a_crash(golden_run: Path, set_meta) -> None:
    history = golden_run / "locust_stats_history.csv"
    data = history.read_bytes()
    history.write_bytes(data[: int(len(data) * 0.7)])  # cut in the middle of a line
    (golden_run / "locust_stats.csv").unlink()
    (golden_run / "locust_failures.csv").write_text("Method,Name,Error,Occ")
    set_meta(golden_run, exit_status="interrupted", end_unix=None)
    outcome = write_report(golden_run)
    assert (outcome.verdict, outcome.exit_code) == ("INCOMPLETE", 2)
    assert outcome.notices == ["INCOMPLETE: the run was interrupted: the figures cover what was recorded up to the stop"]
    text = "\n".join(outcome.warnings)
    for expected in ("locust_stats_history.csv: truncated last line dropped", "locust_stats.csv: missing",
                     "locust_failures.csv: no complete line", "run.json has no end_unix"):
        assert expected in text
    assert (golden_run / "report" / "report.html").is_file()
    assert "search.requests" in json.loads((golden_run / "report" / "summary.json").read_text())["figures"]
    assert "INCOMPLETE: the run was interrupted" in (golden_run / "report" / "report.md").read_text()


@pytest.mark.parametrize(
    ("status", "allow", "verdict", "code"),
    [("running", False, "INCOMPLETE", 2), ("completed", False, "FAIL", 1), ("completed", True, "PASS", 0)],
)
def test_a_killed_run_is_incomplete_and_a_lost_worker_fails(golden_run: Path, set_meta, status, allow, verdict,
                                                           code) -> None:
    lost = [{"role": "locust-worker-2", "pid": 7, "exit": "killed by SIGKILL", "at_unix": 1.0, "after_s": 11.4}]
    set_meta(golden_run, exit_status=status, lost_workers=lost, arguments={"allow_lost_workers": allow},
             thresholds={"total.error_rate": "< 0.5"})
    outcome = write_report(golden_run)
    assert (outcome.verdict, outcome.exit_code) == (verdict, code)
    assert any(n.startswith("LOST WORKER: locust-worker-2 (killed by SIGKILL) after 11.4 s") for n in outcome.notices)
    summary = json.loads((golden_run / "report" / "summary.json").read_text())
    assert summary["notices"] == outcome.notices and summary["verdict"] == verdict
    assert "LOST WORKER: locust-worker-2" in (golden_run / "report" / "report.html").read_text()


def test_a_threshold_that_does_not_parse_is_a_report_error_naming_the_key(golden_run: Path, set_meta) -> None:
    set_meta(golden_run, thresholds={"search.p95_ms": "< 50", "total.error_rate": "below 0.1"})
    with pytest.raises(ReportError, match=r"threshold 'total.error_rate': cannot parse condition 'below 0.1'"):
        write_report(golden_run)
    assert not (golden_run / "report").exists()


def test_process_and_cache_figures_and_plots_from_the_monitor_files(tmp_path: Path) -> None:
    run_dir = write_synthetic_run(tmp_path / "syn", SyntheticRun(duration_s=90, operations=("search", "embed"),
                                                                 loadgen_cpu_pct=95.0))
    outcome = write_report(run_dir)
    assert {"target.cpu_pct", "target.rss_mb", "target.cache_hit_rate", "loadgen.cpu_pct",
            "loadgen.cpu_pct_max"} <= set(outcome.figures)
    assert outcome.figures["target.cache_hit_rate"] == pytest.approx(0.9, abs=0.03)
    assert any(w.startswith("load generator above 90% CPU: locust (pid 4243)") for w in outcome.warnings)
    plots = {p.name for p in (outcome.report_dir / "plots").iterdir()}
    assert {"target_resources.png", "loadgen_cpu.png", "cache_hit_rate.png"} <= plots


def test_an_operation_that_ran_far_less_than_its_share_is_a_notice(golden_run: Path, set_meta) -> None:
    """get_memory never ran (a service that returns no ids turns gets into creates): the report, its
    summary.json and the console say so, with the counts; a mix that ran as said says nothing."""
    figures = write_report(golden_run).figures
    ran = {op: figures[f"{op}.requests"] for op in ("create_memory", "search", "llm_chat") if f"{op}.requests" in figures}
    assert len(ran) >= 2 and all(count > 40 for count in ran.values())
    set_meta(golden_run, scenario={"mix": {op: count for op, count in ran.items()}})
    assert not any(n.startswith("MIX") for n in write_report(golden_run).notices)
    set_meta(golden_run, scenario={"mix": {**{op: 1 for op in ran}, "get_memory": 1}})
    outcome = write_report(golden_run)
    total = sum(ran.values())
    notice = next(n for n in outcome.notices if n.startswith("MIX NOT RUN AS SAID: "))
    assert notice.startswith(f"MIX NOT RUN AS SAID: get_memory ran far less than its share of the mix's {total:,.0f}")
    assert f"get_memory 0 (0.0%, share {1 / (len(ran) + 1):.1%})" in notice and "did the service return" in notice
    summary = json.loads((golden_run / "report" / "summary.json").read_text())
    assert notice in summary["notices"] and outcome.exit_code == json.loads(
        (golden_run / "report" / "summary.json").read_text())["exit_code"]
    assert "MIX NOT RUN AS SAID" in (golden_run / "report" / "report.md").read_text()
