"""`memload run SCENARIO --baseline NAME` end to end: a run saved as a baseline, a second run that
compares itself with it after its report (RUN_DIR/compare/), its exit code the worse of the two.
Slow: two short runs (about a minute)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compare_proofs import memload_run
from memload_cli import run_memload

pytestmark = [pytest.mark.slow, pytest.mark.integration]


def test_run_compares_itself_with_a_saved_baseline(work: Path) -> None:
    first = memload_run(work, "first", duration_s=45, warmup_s=0)
    saved = run_memload("baseline", "save", str(first), "v1", "--results", str(work / "first"))
    assert saved.returncode == 0, saved.stderr
    scenario = work / "first.toml"
    slower = scenario.read_text().replace("[reference]\n", '[reference]\nadded_latency_ms_on = "search=20"\n')
    (work / "slower.toml").write_text(slower)
    result = run_memload("run", str(work / "slower.toml"), "--out", str(work / "first"), "--baseline", "v1", "--quiet")
    assert result.returncode == 1, result.stderr[-2000:]
    assert "compare verdict: regressed (exit 1)" in result.stdout
    run_dir = next(p for p in (work / "first").iterdir() if p.is_dir() and p not in (first, work / "first/baselines"))
    document = json.loads((run_dir / "compare" / "compare.json").read_text())
    rows = {row["address"]: row for row in document["candidates"][0]["rows"]}
    assert rows["search.p50_ms"]["verdict"] == "regressed" and rows["search.p50_ms"]["fails"]
    assert (run_dir / "report" / "report.html").is_file()
