"""The golden CSVs written by the pinned Locust (2.47.0, tests/data/locust-2.47.0/, see
make_goldens.py there): the columns analysis names exist, and the figures agree with Locust's own
whole-run numbers and with values worked out from the rows by hand."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from memload import names as C
from memload.analysis.figures.analyse import analyse
from memload.analysis.read.rundir import (EXCEPTIONS_SPEC, FAILURES_SPEC, HISTORY_SPEC, STATS_SPEC)

from analysis_testkit import GOLDEN_DIR


def _rows(name: str) -> list[dict[str, str]]:
    with (GOLDEN_DIR / name).open(newline="") as handle:
        return list(csv.DictReader(handle))


def _history_row(timestamp: int, name: str) -> dict[str, str]:
    (row,) = [r for r in _rows(C.HISTORY_CSV) if r["Timestamp"] == str(timestamp) and r["Name"] == name]
    return row


@pytest.mark.parametrize("spec", [HISTORY_SPEC, STATS_SPEC, FAILURES_SPEC, EXCEPTIONS_SPEC])
def test_every_column_analysis_reads_is_in_the_golden_files(spec) -> None:
    with (GOLDEN_DIR / spec.file_name).open(newline="") as handle:
        header = next(csv.reader(handle))
    assert set(spec.required) <= set(header)
    if spec.with_percentiles:
        assert list(C.percentile_columns(header).values()) == [50, 66, 75, 80, 90, 95, 98, 99, 99.9, 99.99, 100]


def test_history_semantics_of_locust_2_47() -> None:
    history = _rows(C.HISTORY_CSV)
    assert history[0]["Name"] == C.AGGREGATED and history[0]["Type"] == "" and history[0]["50%"] == "N/A"
    first_search = next(r for r in history if r["Name"] == "search")
    assert first_search["100%"] == "0" and float(first_search["Total Max Response Time"]) > 1  # no window yet
    last = {r["Name"]: r for r in history if r["Timestamp"] == history[-1]["Timestamp"]}
    for row in _rows(C.STATS_CSV):  # both files come from the same write: cumulative counters agree
        assert last[row["Name"]]["Total Request Count"] == row["Request Count"]


def test_without_warmup_the_figures_are_locusts_whole_run_ones(golden_run: Path, set_meta) -> None:
    set_meta(golden_run, warmup_s=0.0)
    analysis = analyse(golden_run)
    assert analysis.requests.percentile_methods == {"locust_stats_whole_run"}
    assert not any(w.startswith("percentiles approximate") for w in analysis.warnings)
    for row in _rows(C.STATS_CSV):
        scope = "total" if row["Name"] == C.AGGREGATED else row["Name"]
        figures = {k.partition(".")[2]: v for k, v in analysis.figures.items() if k.startswith(scope + ".")}
        assert figures["requests"] == float(row["Request Count"])
        assert figures["failures"] == float(row["Failure Count"])
        assert figures["avg_ms"] == pytest.approx(float(row["Average Response Time"]), rel=1e-9)
        assert figures["max_ms"] == pytest.approx(float(row["Max Response Time"]))
        for metric, column in {"p50_ms": "50%", "p90_ms": "90%", "p95_ms": "95%", "p99_ms": "99%",
                               "p999_ms": "99.9%"}.items():
            assert figures[metric] == float(row[column]), (scope, metric)


def test_with_warmup_the_figures_are_the_window_differences(golden_run: Path) -> None:
    analysis = analyse(golden_run)  # run.json: warm-up 5 s; start ...889.483 -> rows ...895 to ...909
    first, last = 1795276895, 1795276909
    for name in ("create_memory", "search"):
        a, b = _history_row(first, name), _history_row(last, name)
        count_a, count_b = float(a["Total Request Count"]), float(b["Total Request Count"])
        requests = count_b - count_a
        assert analysis.figures[f"{name}.requests"] == requests
        assert analysis.figures[f"{name}.failures"] == float(b["Total Failure Count"]) - float(a["Total Failure Count"])
        assert analysis.figures[f"{name}.rps"] == pytest.approx(requests / (last - first))
        time_ms = count_b * float(b["Total Average Response Time"]) - count_a * float(a["Total Average Response Time"])
        assert analysis.figures[f"{name}.avg_ms"] == pytest.approx(time_ms / requests)
    # one 10 s snapshot (the row of ...909) covers the window: its percentiles
    assert analysis.figures["search.p95_ms"] == float(_history_row(last, "search")["95%"])
    assert analysis.figures["create_memory.p50_ms"] == float(_history_row(last, "create_memory")["50%"])
    # search's maximum rose inside the window (exact); create_memory's was in the warm-up
    assert analysis.figures["search.max_ms"] == float(_history_row(last, "search")["Total Max Response Time"])
    assert analysis.figures["create_memory.max_ms"] == float(_history_row(last, "create_memory")["100%"])
    figures = analysis.figures
    assert figures["total.requests"] == figures["create_memory.requests"] + figures["search.requests"]
