"""Reading the checks' files of a results directory (none of them: the run had no [checks])."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hdrh.histogram import HdrHistogram

from memload import names as C
from memload.analysis.errors import ReportError

MAX_VIOLATIONS_READ = 1000


@dataclass(kw_only=True)
class CheckFiles:
    counts: dict[int, dict[str, int]] = field(default_factory=dict)  # interval -> counter -> count
    histograms: dict[int, dict[str, HdrHistogram]] = field(default_factory=dict)  # interval -> metric
    violations: list[dict[str, Any]] = field(default_factory=list)
    audit: dict[str, Any] | None = None

    def total(self, name: str, intervals: list[int] | None = None) -> int:
        chosen = self.counts if intervals is None else {i: self.counts.get(i, {}) for i in intervals}
        return sum(counters.get(name, 0) for counters in chosen.values())


def read_check_files(run_dir: Path) -> CheckFiles | None:
    counts_path = run_dir / C.CHECKS_COUNTS_CSV
    if not counts_path.exists():
        return None
    try:
        return _read(run_dir, counts_path)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ReportError(f"{run_dir}: the checks' files cannot be read: {error}") from None


def _read(run_dir: Path, counts_path: Path) -> CheckFiles:
    files = CheckFiles()
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    with open(counts_path, newline="") as file:
        for row in csv.DictReader(file):
            counts[int(row[C.CK_INTERVAL])][row[C.CK_NAME]] += int(row[C.CK_VALUE])
    files.counts = {i: dict(c) for i, c in sorted(counts.items())}
    hdr_path = run_dir / C.CHECKS_HDR_CSV
    if hdr_path.exists():
        with open(hdr_path, newline="") as file:
            for row in csv.DictReader(file):
                decoded = HdrHistogram.decode(row[C.CKH_HISTOGRAM])
                per_metric = files.histograms.setdefault(int(row[C.CK_INTERVAL]), {})
                if row[C.CKH_METRIC] in per_metric:
                    per_metric[row[C.CKH_METRIC]].add(decoded)
                else:
                    per_metric[row[C.CKH_METRIC]] = decoded
    violations_path = run_dir / C.CHECKS_VIOLATIONS_JSONL
    if violations_path.exists():
        with open(violations_path, encoding="utf-8") as file:
            for line in file:
                if line.strip() and len(files.violations) < MAX_VIOLATIONS_READ:
                    files.violations.append(json.loads(line))
    audit_path = run_dir / C.CHECKS_AUDIT_JSON
    if audit_path.exists():
        files.audit = json.loads(audit_path.read_text(encoding="utf-8"))
    return files
