"""A concurrency-steps run made by hand, whose per-step figures are known: each step's settled part,
the capacity at SLO, the saturation, the knee and the answer at the top of the report."""

from __future__ import annotations

import json
from pathlib import Path

from analysis_testkit import T0, hist_row, make_run, write_interval_files
from memload.analysis.figures.analyse import analyse
from memload.analysis.report import write_report

STEP_S = 40  # four 10 s intervals a step; the first fifth (8 s) settles, so three whole intervals count
# users, requests/s, search response time (ms) of each step: throughput flattens at 8 users while
# the response time climbs, the knee; the search p95 < 50 ms SLO holds up to 4 users
STEPS = [(1, 10, 5.0), (2, 20, 6.0), (4, 40, 8.0), (8, 60, 60.0), (16, 62, 200.0)]
SCENARIO = {
    "load": {"shape": "steps", "steps": [u for u, _, _ in STEPS], "step_duration_s": STEP_S},
    "capacity": {"settle_fraction": 0.2, "slo": ["search.p95_ms < 50"], "for_rps": 200, "headroom": 0.2},
}


def steps_run(run_dir: Path) -> Path:
    """Load from T0 (interval-aligned) for len(STEPS) × STEP_S seconds; within a step every second
    carries rps requests of one fixed response time, and the step's first second is an outlier that
    only the settling part may contain."""
    samples = []
    for index, (_, rps, ms) in enumerate(STEPS):
        start = T0 + index * STEP_S
        for second in range(STEP_S):
            value = 5_000.0 if second == 0 else ms
            samples += [(start + second + 0.5, "search", "response_ms", value)] * rps
    end = T0 + len(STEPS) * STEP_S
    # the load is taken to start a second before the first history row with users (window.py)
    history = [hist_row(t, "Aggregated", 1, users=1) for t in range(T0 + 1, end + 1)]
    make_run(run_dir, history, start_unix=float(T0 - 1), end_unix=float(end + 5), scenario=SCENARIO)
    return write_interval_files(run_dir, samples)


def test_each_step_has_the_figures_of_its_settled_part(tmp_path: Path) -> None:
    analysis = analyse(steps_run(tmp_path / "run"))
    capacity = analysis.capacity
    assert capacity is not None
    assert [s.users for s in capacity.steps] == [1, 2, 4, 8, 16]
    for step, (_, rps, ms) in zip(capacity.steps, STEPS, strict=True):
        assert step.intervals == 3
        assert abs((step.total("rps") or 0) - rps) < 1e-9
        assert abs((step.figures["search.p95_ms"]) - ms) / ms < 0.01  # the 5 s outlier settled away
    assert capacity.meets == [True, True, True, False, False]


def test_capacity_figures_knee_and_answer(tmp_path: Path) -> None:
    run_dir = steps_run(tmp_path / "run")
    analysis = analyse(run_dir)
    figures = analysis.figures
    assert figures["capacity.max_rps_at_slo"] == 40 and figures["capacity.users_at_slo"] == 4
    assert figures["capacity.saturation_rps"] == 62
    assert figures["capacity.knee_users"] == 8
    assert analysis.capacity is not None
    assert analysis.capacity.answer.startswith(
        "one instance holds 40 req/s (4 users) with search p95 < 50 ms"
    )
    write_report(run_dir)
    md = (run_dir / "report" / "report.md").read_text().splitlines()
    assert md[2].startswith("**Capacity: one instance holds 40 req/s")  # the first line after the title
    # 200 req/s at 40 req/s per instance, 20 % spare: ceil(200 / 32) = 7
    assert analysis.capacity.projection[0].startswith(
        "Projection: 7 instance(s) for 200 req/s with 20% headroom"
    )
    assert "Projection: 7 instance(s)" in "\n".join(md)
    summary = json.loads((run_dir / "report" / "summary.json").read_text())
    assert summary["figures"]["capacity.max_rps_at_slo"] == 40
    assert {"capacity_throughput.png", "capacity_latency.png"} <= {
        p.name for p in (run_dir / "report" / "plots").iterdir()
    }


def test_a_threshold_on_capacity_is_evaluated(tmp_path: Path) -> None:
    run_dir = steps_run(tmp_path / "run")
    meta = json.loads((run_dir / "run.json").read_text())
    meta["thresholds"] = {"capacity.max_rps_at_slo": "> 50"}
    (run_dir / "run.json").write_text(json.dumps(meta))
    outcome = write_report(run_dir)
    assert (outcome.verdict, outcome.exit_code) == ("FAIL", 1)
    assert outcome.results[0].measured == 40
