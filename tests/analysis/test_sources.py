"""Where request figures come from, decided once per run (analysis.figures.source): memload's
files when the run has them, else Locust's CSVs only, and then every report says that its
percentiles are Locust's rounded ones. The plots draw from the same source as the figures."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from memload.analysis.figures.analyse import analyse
from memload.analysis.figures.locust_only import ROUNDED, rounded_warning
from memload.analysis.plots.plotset import plot_specs
from memload.analysis.report import write_report

MEMLOAD_RUN = Path(__file__).resolve().parents[1] / "data" / "memload-run"


def _report(run_dir: Path) -> tuple[dict, str, str]:
    outcome = write_report(run_dir)
    summary = json.loads((outcome.report_dir / "summary.json").read_text())
    return (
        summary,
        (outcome.report_dir / "report.md").read_text(),
        (outcome.report_dir / "report.html").read_text().replace("&#39;", "'"),
    )


def test_a_plain_locust_directory_says_its_percentiles_are_locusts_rounded_ones(golden_run: Path) -> None:
    analysis = analyse(golden_run)
    assert analysis.source.locust_only and analysis.source.name == "locust_only" and analysis.view is None
    assert rounded_warning() in analysis.warnings
    summary, md, html = _report(golden_run)
    assert rounded_warning() in summary["warnings"]
    assert summary["percentile_method"] == ["history_10s_snapshots_mixture"]
    assert "intervals" not in summary["window"] and "llm" not in summary
    note = (
        f"From Locust's CSVs (no memload histograms): {ROUNDED} (about 2 significant digits), approximate too"
    )
    assert note in md and note in html
    assert f"- {rounded_warning()}" in md and f"<li>{rounded_warning()}</li>" in html


def test_without_warmup_the_note_names_locusts_whole_run_percentiles(golden_run: Path, set_meta) -> None:
    set_meta(golden_run, warmup_s=0.0)
    _, md, _ = _report(golden_run)
    assert f"{ROUNDED} of the whole run (about 2 significant digits)." in md


@pytest.fixture
def memload_run(tmp_path: Path) -> Path:
    return Path(shutil.copytree(MEMLOAD_RUN, tmp_path / "run"))


def test_a_run_with_memload_files_is_not_locust_only(memload_run: Path) -> None:
    analysis = analyse(memload_run)
    assert not analysis.source.locust_only and analysis.source.name == "memload_files"
    assert rounded_warning() not in analysis.warnings


def test_without_memloads_files_everything_comes_from_locust(memload_run: Path) -> None:
    for name in ("hdr_histograms.csv", "interval_counts.csv"):
        (memload_run / name).unlink()
    analysis = analyse(memload_run)
    assert analysis.source.locust_only and rounded_warning() in analysis.warnings
    assert not any("unusable" in w for w in analysis.warnings)  # absent files are not a fault
    builders = {name: build for name, _, build in plot_specs(analysis)}
    (ax, _twin) = builders["rps.png"]().axes
    assert "Locust's cumulative counters" in ax.get_title()
    total = next(line for line in ax.get_lines() if line.get_label() == "total")
    assert len(total.get_xdata()) > 20  # Locust's history, per second
    assert "ttft_llm_chat.png" not in builders and "output_tokens_per_s.png" not in builders
    (ax,) = builders["latency_search.png"]().axes
    assert "Locust's 10 s window percentiles" in ax.get_title()


def test_one_memload_file_missing_says_so_and_falls_back_to_locust(memload_run: Path) -> None:
    (memload_run / "hdr_histograms.csv").unlink()
    analysis = analyse(memload_run)
    assert analysis.source.locust_only
    assert any("request figures come from Locust's files instead" in w for w in analysis.warnings)
    assert rounded_warning() in analysis.warnings
