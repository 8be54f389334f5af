"""`memload report RUN_DIR`: exit codes 0 / 1 / 2, one-line messages, no tracebacks."""
from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from memload.cli import main


def _report(*args: str):
    return CliRunner().invoke(main, ["report", *args])


def test_help_explains_the_outputs_and_exit_codes() -> None:
    result = _report("--help")
    assert result.exit_code == 0
    for text in ("RUN_DIR", "report.html", "summary.json", "junit.xml", "Exit codes: 0", "1 a threshold fails", "2 the run is INCOMPLETE", "usage"):
        assert text in " ".join(result.output.split())


def test_exit_0_when_every_threshold_passes(golden_run: Path) -> None:
    result = _report(str(golden_run))
    assert result.exit_code == 0, result.output
    assert "pass  search.p95_ms < 100  (measured 40 ms)" in result.output
    assert result.output.rstrip().endswith("verdict: PASS")


def test_exit_1_when_a_threshold_fails(golden_run: Path, set_meta) -> None:
    set_meta(golden_run, thresholds={"total.error_rate": "< 0.001"})
    result = _report("--quiet", str(golden_run))
    assert result.exit_code == 1
    assert result.output.strip() == "verdict: FAIL"


def test_exit_2_for_a_missing_directory(tmp_path: Path) -> None:
    result = _report(str(tmp_path / "nowhere"))
    assert result.exit_code == 2
    assert result.output.strip() == f"Error: run directory {tmp_path / 'nowhere'} does not exist or is not a directory"
    assert "Traceback" not in result.output


def test_exit_2_for_a_missing_required_file(golden_run: Path) -> None:
    (golden_run / "locust_stats_history.csv").unlink()
    result = _report(str(golden_run))
    assert result.exit_code == 2
    assert "missing required file locust_stats_history.csv" in result.output and "Traceback" not in result.output


def test_exit_2_for_a_threshold_that_does_not_parse_names_the_key(golden_run: Path, set_meta) -> None:
    set_meta(golden_run, thresholds={"search.p95_ms": "<< 5"})
    result = _report(str(golden_run))
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert "threshold 'search.p95_ms': cannot parse condition '<< 5'" in result.output


def test_exit_2_for_a_missing_argument() -> None:
    result = _report()
    assert result.exit_code == 2 and "Missing argument 'RUN_DIR'" in result.output
