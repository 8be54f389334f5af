"""[monitor] against a service memload did not start: `memload serve` started here (a subprocess on a
free loopback port) and named with --host, as README's CI example does by hand.

- default suite: one short run with --monitor-pid; the report has the target's CPU, RSS, fds,
  threads and cache hit rate, with sane values.
- slow: the CI scenario against the service started by hand, first with no [monitor] (its figures
  from the standard process series of its /metrics: the README example passes now), then with its
  pid, beside a run where memload started the target itself: the figures agree within sampling.
"""

from __future__ import annotations

import json

import pytest

from memload_cli import only_run_dir, run_memload, start_reference_target


def _figures(out) -> dict:
    summary = json.loads((only_run_dir(out) / "report" / "summary.json").read_text())
    return {k: v for k, v in summary["figures"].items() if k.startswith("target.")}


@pytest.mark.integration
def test_a_service_started_by_hand_and_named_by_pid_has_its_process_figures(tmp_path):
    process, url = start_reference_target(tmp_path / "memories.db")
    try:
        result = run_memload(
            "run",
            "smoke",
            "--host",
            url,
            "--monitor-pid",
            str(process.pid),
            "--duration",
            "4s",
            "--warmup",
            "1s",
            "--out",
            str(tmp_path / "out"),
            "--quiet",
        )
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert result.returncode in (0, 1), result.stderr[-3000:]
    figures = _figures(tmp_path / "out")
    assert 10 < figures["target.rss_mb"] < 2000, figures
    assert 0 < figures["target.cpu_pct"] <= figures["target.cpu_pct_max"] < 400, figures
    assert 5 < figures["target.num_fds"] < 5000 and figures["target.threads"] >= 1, figures
    assert 0 <= figures["target.cache_hit_rate"] <= 1, figures


@pytest.mark.slow
@pytest.mark.integration
def test_by_hand_the_figures_match_those_of_a_target_memload_started(tmp_path):
    args = ("--duration", "30s", "--warmup", "10s", "--quiet")
    started = run_memload("run", "ci", "--out", str(tmp_path / "started"), *args)
    assert started.returncode == 0, started.stderr[-3000:]
    measured = {"started": _figures(tmp_path / "started")}
    for name, extra in (("plain", ()), ("pid", ("--monitor-pid",))):
        process, url = start_reference_target(tmp_path / f"{name}.db")  # a fresh service each time
        try:
            monitor = (*extra, str(process.pid)) if extra else ()
            result = run_memload("run", "ci", "--host", url, *monitor, "--out", str(tmp_path / name), *args)
        finally:
            process.terminate()
            process.wait(timeout=10)
        assert result.returncode == 0, result.stderr[-3000:]  # README's CI example: PASS by hand too
        measured[name] = _figures(tmp_path / name)
    print(json.dumps(measured, indent=1))
    reference = measured["started"]
    for name in ("plain", "pid"):
        figures = measured[name]
        assert figures["target.rss_mb"] == pytest.approx(reference["target.rss_mb"], rel=0.3), measured
        assert figures["target.cpu_pct"] == pytest.approx(reference["target.cpu_pct"], rel=0.5), measured
        assert figures["target.num_fds"] == pytest.approx(reference["target.num_fds"], abs=15), measured
        assert figures["target.cache_hit_rate"] == pytest.approx(reference["target.cache_hit_rate"], abs=0.05)
