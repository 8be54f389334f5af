"""What the checks of one Locust process saw, until it goes to the master (workers) or to the
results files (the master, or a lone process): counters per (10 s interval, name), lag histograms
per (interval, metric), the first isolation violations (request and answer, bounded), and the log of
acknowledged writes (creates and deletes) that the audit reads back after the load.

Pure data, like memload.loadgen.histograms (whose sparse transport it uses): a worker drains it into
its report every few seconds, so memory stays bounded; the master merges reports."""

from __future__ import annotations

import csv
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hdrh.histogram import HdrHistogram

from memload import names as C
from memload.loadgen.histograms import add_sparse_buckets, interval_of, new_histogram, release, sparse_buckets

MAX_EXAMPLE_CHARS = 2000  # of a request's or an answer's text in checks_violations.jsonl
MAX_PENDING_WRITES = 200_000  # a worker that could not report keeps at most this many log rows


@dataclass
class CheckState:
    counts: dict[tuple[int, str], int] = field(default_factory=lambda: defaultdict(int))
    histograms: dict[tuple[int, str], HdrHistogram] = field(default_factory=dict)
    examples: list[dict[str, Any]] = field(default_factory=list)
    writes: list[tuple[str, str, str, float]] = field(default_factory=list)  # kind, user, id, unix s
    max_examples: int = 20
    examples_seen: int = 0  # kept or not

    def count(self, name: str, amount: int = 1, *, unix_s: float | None = None) -> None:
        self.counts[(interval_of(time.time() if unix_s is None else unix_s), name)] += amount

    def record_ms(self, metric: str, value_ms: float, *, unix_s: float | None = None) -> None:
        key = (interval_of(time.time() if unix_s is None else unix_s), metric)
        histogram = self.histograms.get(key)
        if histogram is None:
            histogram = self.histograms[key] = new_histogram()
        histogram.record_value(max(1, min(3_600_000_000, int(round(value_ms * 1000.0)))))  # µs

    def example(self, record: dict[str, Any]) -> None:
        self.examples_seen += 1
        if len(self.examples) < self.max_examples:
            self.examples.append(record)

    def wrote(self, kind: str, user_id: str, memory_id: str) -> None:
        if len(self.writes) < MAX_PENDING_WRITES:
            self.writes.append((kind, user_id, memory_id, round(time.time(), 3)))
        else:
            self.count("audit_log_overflow")

    # -- worker -> master -----------------------------------------------------------------------
    def drain(self) -> dict[str, Any]:
        payload = {
            "c": [[i, n, v] for (i, n), v in self.counts.items()],
            "h": [[i, m, *sparse_buckets(h)] for (i, m), h in self.histograms.items()],
            "x": self.examples,
            "xs": self.examples_seen,
            "w": self.writes,
        }
        for histogram in self.histograms.values():
            release(histogram)
        self.counts, self.histograms = defaultdict(int), {}
        self.examples, self.writes, self.examples_seen = [], [], 0
        return payload

    def merge(self, payload: dict[str, Any]) -> None:
        for interval, name, value in payload.get("c", []):
            self.counts[(interval, name)] += value
        for interval, metric, indexes, counts, dtype, low, high in payload.get("h", []):
            key = (interval, metric)
            if key not in self.histograms:
                self.histograms[key] = new_histogram()
            add_sparse_buckets(self.histograms[key], indexes, counts, dtype, min_value=low, max_value=high)
        for record in payload.get("x", []):
            if len(self.examples) < self.max_examples:
                self.examples.append(record)
        self.examples_seen += int(payload.get("xs", 0))
        self.writes.extend(tuple(row) for row in payload.get("w", []))

    def pop_closed(self, before_interval: int | None) -> CheckState:
        """The intervals before ``before_interval`` (None: all), the examples and the writes."""
        closed = CheckState(max_examples=self.max_examples)
        for key in [k for k in self.counts if before_interval is None or k[0] < before_interval]:
            closed.counts[key] = self.counts.pop(key)
        for hkey in [k for k in self.histograms if before_interval is None or k[0] < before_interval]:
            closed.histograms[hkey] = self.histograms.pop(hkey)
        closed.examples, closed.writes, closed.examples_seen = self.examples, self.writes, self.examples_seen
        self.examples, self.writes, self.examples_seen = [], [], 0
        self.max_examples = max(0, self.max_examples - len(closed.examples))  # bounded over the run
        return closed


def clip(text: Any) -> str:
    value = text if isinstance(text, str) else repr(text)
    return value[:MAX_EXAMPLE_CHARS]


class CheckWriter:
    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        for name, columns in (
            (C.CHECKS_COUNTS_CSV, C.CHECKS_COUNTS_COLUMNS),
            (C.CHECKS_HDR_CSV, C.CHECKS_HDR_COLUMNS),
            (C.CHECKS_WRITES_CSV, C.CHECKS_WRITES_COLUMNS),
        ):
            if not (run_dir / name).exists():
                with open(run_dir / name, "w", newline="") as file:
                    csv.writer(file).writerow(columns)

    def _append(self, name: str, rows: Any) -> None:
        with open(self.run_dir / name, "a", newline="") as file:
            csv.writer(file).writerows(rows)

    def write(self, closed: CheckState) -> None:
        self._append(C.CHECKS_COUNTS_CSV, ((i, n, v) for (i, n), v in sorted(closed.counts.items())))
        self._append(
            C.CHECKS_HDR_CSV,
            (
                (i, m, h.get_total_count(), h.encode().decode("ascii"))
                for (i, m), h in sorted(closed.histograms.items())
            ),
        )
        self._append(C.CHECKS_WRITES_CSV, closed.writes)
        if closed.examples or closed.examples_seen:
            with open(self.run_dir / C.CHECKS_VIOLATIONS_JSONL, "a", encoding="utf-8") as file:
                for record in closed.examples:
                    file.write(json.dumps(record, default=str) + "\n")
        for histogram in closed.histograms.values():
            release(histogram)
