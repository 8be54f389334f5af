"""Named baselines (`memload baseline save/list`, a comparison by name) and `memload history`
on synthetic runs (issue 15)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from analysis_testkit import T0
from memload.analysis.history.cli import plot_history
from memload.analysis.history.runs import analyse_history, find_runs
from memload.cli import main
from synthetic_compare import synthetic_run

DAY = 86_400


def _memload(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def results(tmp_path: Path) -> Path:
    """Three runs a day apart: v1, the same again, then 20 ms slower on search; and one of another
    scenario."""
    root = tmp_path / "results"
    synthetic_run(root / "1_steady", seed=21, start=T0, meta={"git_commit": "aaaa1111", "started_at": "day 1"})
    synthetic_run(root / "2_steady", seed=22, start=T0 + DAY, meta={"git_commit": "bbbb2222", "started_at": "day 2"})
    synthetic_run(
        root / "3_steady", seed=2, start=T0 + 2 * DAY, shift_ms={"search": 20.0}, meta={"started_at": "day 3"}
    )
    other = {"name": "other", "seed": 1, "mix": {"search": 1}, "load": {"shape": "constant", "users": 1}}
    synthetic_run(root / "4_other", seed=5, start=T0 + 3 * DAY, scenario=other)
    return root


def test_save_copies_the_run_and_list_shows_it(results: Path) -> None:
    saved = _memload("baseline", "save", str(results / "1_steady"), "v1", "--results", str(results))
    assert saved.exit_code == 0, saved.output
    copy = results / "baselines" / "v1"
    assert json.loads((copy / "run.json").read_text()) == json.loads((results / "1_steady" / "run.json").read_text())
    assert (copy / "hdr_histograms.csv").read_bytes() == (results / "1_steady" / "hdr_histograms.csv").read_bytes()
    assert json.loads((copy / "baseline.json").read_text())["source"] == str((results / "1_steady").resolve())
    listed = _memload("baseline", "list", "--results", str(results))
    assert listed.exit_code == 0
    (line,) = [row for row in listed.output.splitlines() if row.startswith("v1 ")]
    assert line.split()[:3] == ["v1", "steady", "1"] and "aaaa1111" in line
    compared = _memload("compare", "v1", str(results / "3_steady"), "--results", str(results), "-q")
    assert compared.exit_code == 1 and "compare verdict: regressed (exit 1)" in compared.output


@pytest.mark.parametrize(
    "args, message",
    [
        (("1_steady", "../up"), "baseline name '../up': letters, digits"),
        (("1_steady", ".hidden"), "baseline name '.hidden'"),
        (("nowhere", "v2"), "does not exist"),
    ],
)
def test_save_refuses_bad_names_and_missing_runs(results: Path, args: tuple[str, str], message: str) -> None:
    result = _memload("baseline", "save", str(results / args[0]), args[1], "--results", str(results))
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


def test_save_refuses_an_existing_name_and_an_incomplete_run(results: Path) -> None:
    assert _memload("baseline", "save", str(results / "1_steady"), "v1", "--results", str(results)).exit_code == 0
    again = _memload("baseline", "save", str(results / "2_steady"), "v1", "--results", str(results))
    assert again.exit_code == 2 and "baseline 'v1' exists" in again.output and "--replace" in again.output
    replaced = _memload("baseline", "save", str(results / "2_steady"), "v1", "--results", str(results), "--replace")
    assert replaced.exit_code == 0
    assert json.loads((results / "baselines/v1/run.json").read_text())["git_commit"] == "bbbb2222"
    meta = json.loads((results / "3_steady/run.json").read_text())
    (results / "3_steady/run.json").write_text(json.dumps({**meta, "exit_status": "interrupted"}))
    incomplete = _memload("baseline", "save", str(results / "3_steady"), "v3", "--results", str(results))
    assert incomplete.exit_code == 2 and "incomplete run" in incomplete.output
    assert _memload("baseline", "list", "--results", str(results / "empty")).output.startswith("no baselines")


def test_history_table_verdicts_and_plot(results: Path) -> None:
    assert _memload("baseline", "save", str(results / "1_steady"), "v1", "--results", str(results)).exit_code == 0
    result = _memload("history", "steady", "--results", str(results))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:5] == ["run", "started", "scenario", "run", "commit"]
    rows = {line.split()[3]: line for line in lines[1:4]}  # "day N" takes two columns
    assert "v1" in rows["1_steady"] and rows["1_steady"].rstrip().endswith("baseline")
    assert rows["2_steady"].rstrip().endswith("~ vs v1")
    assert rows["3_steady"].rstrip().endswith("regressed (FAIL) vs v1")
    assert "4_other" not in result.output  # another scenario
    markdown = (results / "history" / "history.md").read_text()
    assert markdown.count("| steady |") == 3
    assert (results / "history" / "history.png").read_bytes()[:4] == b"\x89PNG"
    everything = _memload("history", "--results", str(results))
    assert everything.exit_code == 0 and "4_other" in everything.output
    assert "no baseline before it" in everything.output  # the other scenario has none
    assert _memload("history", "nothing", "--results", str(results)).exit_code == 2


def test_the_history_plot_marks_the_baselines(results: Path) -> None:
    assert _memload("baseline", "save", str(results / "2_steady"), "v2", "--results", str(results)).exit_code == 0
    runs = analyse_history(find_runs(results, "steady"), [])
    assert [r.path.name for r in runs] == ["1_steady", "2_steady", "3_steady"]  # the copy marks its run
    figure = plot_history(runs, "steady")
    rps, p95, _ = figure.axes
    (line,) = [line for line in p95.get_lines() if line.get_label() == "steady"]
    assert list(line.get_ydata()) == pytest.approx([r.figures["p95_ms"] for r in runs])
    (stars,) = [line for line in p95.get_lines() if line.get_gid() == "baseline:steady:p95_ms"]
    assert list(stars.get_xdata()) == [1] and stars.get_marker() == "*"
    assert [t.get_text() for t in p95.texts] == ["v2"]
    assert runs[2].verdict == "regressed (FAIL)" and runs[2].compared_with == "v2"
    assert runs[0].verdict == ""  # before any baseline
