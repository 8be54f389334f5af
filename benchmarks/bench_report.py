"""Benchmark of `memload report` on a 24-hour results directory.

    .venv/bin/python benchmarks/bench_report.py            # 24 h, 3 runs, medians
    .venv/bin/python benchmarks/bench_report.py --hours 1 --runs 1

Generates a synthetic directory (synthetic: 86,400 s of full Locust history for
8 operations plus Aggregated, resources.csv every second for the target and Locust, and
target_metrics.csv with 12 samples a scrape) into a temporary folder, then runs write_report in a
fresh child process per run and reports its wall time (interpreter start and imports included)
and peak RSS (the child's own ru_maxrss). Targets (issue 4): at most 30 s and 1 GiB.
Exit status 1 when a median misses a target.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "helpers"))  # shared with the tests

from synthetic import SyntheticRun, write_synthetic_run  # noqa: E402

TARGET_WALL_S = 30.0
TARGET_PEAK_MB = 1024.0

CHILD = """
import json, resource, sys, time
from pathlib import Path
started = time.perf_counter()
from memload.analysis.report import write_report
imported = time.perf_counter()
outcome = write_report(Path(sys.argv[1]))
done = time.perf_counter()
print(json.dumps({"import_s": imported - started, "report_s": done - imported, "verdict": outcome.verdict,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}))
"""


def run_once(run_dir: Path) -> dict[str, float]:
    """One report in a fresh interpreter: wall seconds, peak RSS (MB) and the child's own timings."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CHILD, str(run_dir)], capture_output=True, text=True, check=False)
    wall_s = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"report failed:\n{done.stderr}")
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    return {"wall_s": wall_s, **measured}


def directory_size_mb(run_dir: Path) -> float:
    return sum(p.stat().st_size for p in run_dir.iterdir() if p.is_file()) / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hours", type=float, default=24.0, help="length of the synthetic run (default 24)")
    parser.add_argument("--runs", type=int, default=3, help="reports to time; medians are printed (default 3)")
    parser.add_argument("--keep", type=Path, help="write the directory here and keep it (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="memload-bench-") as temp:
        run_dir = args.keep or Path(temp) / "run"
        started = time.perf_counter()
        write_synthetic_run(run_dir, SyntheticRun(duration_s=int(args.hours * 3600)))
        print(f"synthetic {args.hours:g} h directory: {directory_size_mb(run_dir):.0f} MB "
              f"written in {time.perf_counter() - started:.1f} s")
        runs = []
        for index in range(args.runs):
            runs.append(run_once(run_dir))
            print(f"run {index + 1}: wall {runs[-1]['wall_s']:.1f} s (imports {runs[-1]['import_s']:.1f} s, "
                  f"report {runs[-1]['report_s']:.1f} s), peak RSS {runs[-1]['peak_rss_mb']:.0f} MB")
    wall_s = statistics.median(r["wall_s"] for r in runs)
    peak_mb = statistics.median(r["peak_rss_mb"] for r in runs)
    wall_ok, peak_ok = wall_s <= TARGET_WALL_S, peak_mb <= TARGET_PEAK_MB
    print(f"median wall {wall_s:.1f} s (target <= {TARGET_WALL_S:.0f} s: {'ok' if wall_ok else 'MISSED'}); "
          f"median peak RSS {peak_mb:.0f} MB (target <= {TARGET_PEAK_MB:.0f} MB: {'ok' if peak_ok else 'MISSED'})")
    return 0 if wall_ok and peak_ok else 1


if __name__ == "__main__":
    sys.exit(main())
