"""Writers of small hand-made results directories whose figures can be computed by hand, and the
place of the golden Locust 2.47.0 run. Imported by the tests (conftest.py puts this folder on
sys.path: pytest runs with --import-mode=importlib)."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "data" / "locust-2.47.0"
GOLDEN_FILES = (
    "run.json",
    "locust_stats.csv",
    "locust_stats_history.csv",
    "locust_failures.csv",
    "locust_exceptions.csv",
)
PERCENT_COLUMNS = ("50%", "66%", "75%", "80%", "90%", "95%", "98%", "99%", "99.9%", "99.99%", "100%")
HISTORY_HEADER = (
    "Timestamp",
    "User Count",
    "Type",
    "Name",
    "Requests/s",
    "Failures/s",
    *PERCENT_COLUMNS,
    "Total Request Count",
    "Total Failure Count",
    "Total Median Response Time",
    "Total Average Response Time",
    "Total Min Response Time",
    "Total Max Response Time",
    "Total Average Content Size",
)
T0 = 1_800_000_000  # start_unix of the hand-made runs


def hist_row(
    t: float,
    name: str,
    count: int,
    *,
    failures: int = 0,
    avg_ms: float = 10.0,
    pcts: float | Sequence[float] = 10.0,
    min_ms: float = 1.0,
    max_ms: float | None = None,
    type_: str = "GET",
    users: int = 1,
) -> list[Any]:
    """One locust_stats_history.csv row; ``pcts`` is one value for every percentile or 11 values."""
    points = [pcts] * len(PERCENT_COLUMNS) if isinstance(pcts, (int, float)) else list(pcts)
    top = max(points) if max_ms is None else max_ms
    return [
        int(t),
        users,
        "" if name == "Aggregated" else type_,
        name,
        0.0,
        0.0,
        *points,
        count,
        failures,
        points[0],
        avg_ms,
        min_ms,
        top,
        12.0,
    ]


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_run_json(run_dir: Path, **fields: Any) -> Path:
    meta: dict[str, Any] = {
        "schema_version": 1,
        "scenario_name": "hand",
        "thresholds": {},
        "warmup_s": 0.0,
        "start_unix": float(T0),
        "end_unix": float(T0 + 100),
        "exit_status": "completed",
    }
    meta.update(fields)
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "run.json").write_text(json.dumps(meta))
    return run_dir


def make_run(run_dir: Path, history_rows: Sequence[Sequence[Any]], **meta: Any) -> Path:
    """A results directory with run.json and locust_stats_history.csv only."""
    write_run_json(run_dir, **meta)
    write_csv(run_dir / "locust_stats_history.csv", HISTORY_HEADER, history_rows)
    return run_dir


def write_interval_files(
    run_dir: Path,
    samples: Sequence[tuple[float, str, str, float]],
    counts: Sequence[tuple[float, str, str, int]] = (),
    *,
    reports: int = 1,
) -> Path:
    """memload's hdr_histograms.csv and interval_counts.csv, written by memload's own store and
    writer: ``samples`` are (unix s, scope, metric, value), ``counts`` (unix s, scope, counter,
    amount); every response_ms sample also counts a request. With ``reports`` > 1 the samples are
    dealt round-robin to that many stores written one after another, as late worker reports add
    rows with the same key."""
    from memload.loadgen.histograms import IntervalStore, StoreWriter

    stores = [IntervalStore() for _ in range(reports)]
    for index, (unix_s, scope, metric, value) in enumerate(samples):
        store = stores[index % reports]
        store.record(scope, metric, value, unix_s=unix_s)
        if metric == "response_ms":
            store.count(scope, "requests", unix_s=unix_s)
    for unix_s, scope, counter, amount in counts:
        stores[0].count(scope, counter, amount, unix_s=unix_s)
    writer = StoreWriter(run_dir)
    for store in stores:
        writer.write(store.pop_closed(before_interval=None))
    return run_dir
