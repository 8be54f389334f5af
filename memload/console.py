"""What `memload run` prints: a progress line while it runs, a per-operation table at the end."""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Callable

from memload.analysis import columns as C

TAIL_BYTES = 16_384


def _tail_rows(path: Path) -> list[dict[str, str]]:
    """The last rows of a CSV that may be growing (read from the end, header from the start)."""
    try:
        with open(path, "rb") as file:
            header = file.readline().decode()
            file.seek(0, 2)
            size = file.tell()
            file.seek(max(len(header), size - TAIL_BYTES))
            tail = file.read().decode(errors="replace")
    except OSError:
        return []
    lines = tail.splitlines()[1:] if size > TAIL_BYTES else tail.splitlines()
    return list(csv.DictReader(io.StringIO(header + "\n".join(lines))))


def print_progress(run_dir: Path, *, echo: Callable[[str], None]) -> None:
    rows = [r for r in _tail_rows(run_dir / "locust_stats_history.csv") if r.get(C.NAME) == C.AGGREGATED]
    if not rows:
        return
    last = rows[-1]
    echo(f"  users={last.get(C.HIST_USERS, '?'):>5}  req/s={_num(last.get(C.STATS_RPS)):>8.1f}  "
         f"requests={last.get(C.HIST_REQUESTS, '?')}  failures={last.get(C.HIST_FAILURES, '?')}")


def _num(text: str | None) -> float:
    try:
        return float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")


def print_summary(run_dir: Path, *, echo: Callable[[str], None]) -> None:
    """The per-operation table from Locust's final statistics (its rounded percentiles)."""
    try:
        with open(run_dir / "locust_stats.csv", newline="") as file:
            rows = list(csv.DictReader(file))
    except OSError:
        return
    header = f"{'operation':<22}{'requests':>10}{'failures':>10}{'req/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
    echo(header)
    echo("-" * len(header))
    for row in rows:
        name = row.get(C.NAME, "")
        p50, p95, p99 = (row.get(f"{p}%", "") for p in (50, 95, 99))  # Locust's rounded percentiles
        echo(f"{name:<22}{row.get(C.STATS_REQUESTS, ''):>10}{row.get(C.STATS_FAILURES, ''):>10}"
             f"{_num(row.get(C.STATS_RPS)):>10.1f}{p50:>9}{p95:>9}{p99:>9}")
