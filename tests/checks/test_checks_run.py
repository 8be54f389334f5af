"""One short `memload run` with [checks] against the reference target with two correctness faults
injected (the default suite's one integration run for issue 20; benchmarks/bench_checks.py proves the
rates): the run fails, the report opens with what the checks found, summary.json has the figures,
the checks' own polls stay out of the users' figures, and audit_max bounds the audit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from memload import names as C
from memload_cli import only_run_dir, read_rows, run_memload

pytestmark = pytest.mark.integration

SCENARIO = """
name = "checks-faults"
seed = 5
[load]
users = 5
spawn_rate = 5
duration = "6s"
[pacing]
wait = "constant"
seconds = 0.02
[mix]
create_memory = 3
search = 4
list_memories = 1
get_memory = 1
delete_memory = 0.5
[reference]
write_drop_rate = 0.2
cross_tenant_leak_rate = 0.1
[checks]
enabled = "all"
rw_sample = 0.2
rw_limit = "1s"
audit_max = 100
[thresholds]
"checks.search.hit_at_k" = "> 0.99"
"""


def test_faults_are_found_reported_first_and_fail_the_run(tmp_path: Path) -> None:
    (tmp_path / "s.toml").write_text(SCENARIO)
    result = run_memload(
        "run", str(tmp_path / "s.toml"), "--out", str(tmp_path / "out"), "--quiet", timeout=120
    )
    assert result.returncode == 1, result.stderr[-2000:]
    assert "checks audit:" in result.stdout and " lost, " in result.stdout
    run_dir = only_run_dir(tmp_path / "out")
    for name in (C.CHECKS_COUNTS_CSV, C.CHECKS_HDR_CSV, C.CHECKS_WRITES_CSV, C.CHECKS_AUDIT_JSON):
        assert (run_dir / name).is_file(), name
    violations = [json.loads(line) for line in (run_dir / C.CHECKS_VIOLATIONS_JSONL).read_text().splitlines()]
    assert violations and all(v["foreign"] and v["user_id"] for v in violations)
    summary = json.loads((run_dir / C.REPORT_DIR / C.SUMMARY_JSON).read_text())
    figures = summary["figures"]
    assert figures["checks.failed"] == 1.0 and figures["checks.isolation_violations"] > 0
    assert 50 <= figures["checks.audited"] <= 100  # audit_max: a share of the acknowledged creates
    assert any(w.startswith("checks: the audit read back a share of") for w in summary["warnings"])
    assert 0.05 < figures["checks.lost_write_rate"] < 0.4 and figures["checks.search.hit_at_k"] < 0.99
    assert summary["notices"][0].startswith("CHECK FAILED: tenant isolation:")
    assert summary["notices"][1].startswith("CHECK FAILED: lost writes:")
    report = (run_dir / C.REPORT_DIR / C.REPORT_MD).read_text()
    assert "CHECK FAILED: tenant isolation" in report.split("### ")[0]  # before the first table
    # the poller's requests are named as the check's; the users' get_memory count excludes them
    names = {row["Name"] for row in read_rows(run_dir / C.STATS_CSV)}
    assert "get_memory|check=rw" in names and "search|check=rw" in names
    users_gets = figures["get_memory.requests"]
    locust_gets = next(
        int(r["Request Count"]) for r in read_rows(run_dir / C.STATS_CSV) if r["Name"] == "get_memory"
    )
    assert users_gets <= locust_gets
