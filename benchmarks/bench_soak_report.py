"""Benchmark of the report of a 24-hour soak run (issue 13), and what its soak analysis finds.

    .venv/bin/python benchmarks/bench_soak_report.py            # 24 h, 1 run
    .venv/bin/python benchmarks/bench_soak_report.py --hours 2 --runs 3

Writes the synthetic 24 h directory of bench_report.py (8 operations, histograms; synthetic.py) with
the soak truths of synthetic_soak.py: the target's RSS rising 20 MB/h and its fds 6 per hour, plus
noise; three load-generator processes, flat; 3 minutes of 30 % errors of search 12 h in. Then, per
run, times ``memload report RUN_DIR`` as a user runs it (interpreter start and imports included:
the figure), and in a child process of its own the parts: imports, write_report, and the soak
analysis on its own (soak_analysis on the loaded run, merging its windows itself), with the truths
beside what was found. Target (issue 13): ``memload report`` in at most 10 s.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "helpers"))  # shared with the tests

from memload.scenario.figures import OPERATIONS  # noqa: E402
from synthetic_soak import SoakSpec, write_soak_run  # noqa: E402

TARGET_REPORT_S = 10.0

CHILD = """
import json, resource, sys, time
from pathlib import Path
started = time.perf_counter()
from memload.analysis.report import write_report
imported = time.perf_counter()
outcome = write_report(Path(sys.argv[1]))
done = time.perf_counter()
from memload.analysis.figures.analyse import thresholds_of
from memload.analysis.read.rundir import load_run
from memload.analysis.read.window import steady_window
from memload.analysis.soak.analyse import soak_analysis
from memload import names as C
data = load_run(Path(sys.argv[1]))
window = steady_window(data.meta, data.history[C.HIST_TIMESTAMP].to_numpy(), [],
                       users=data.history[C.HIST_USERS].to_numpy())
soak_started = time.perf_counter()
soak = soak_analysis(data, window, thresholds_of(data.meta))
soak_s = time.perf_counter() - soak_started
rss = soak.trend_of("target", "rss_mb").trend
print(json.dumps({"import_s": imported - started, "report_s": done - imported, "soak_s": soak_s,
                  "verdict": outcome.verdict,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
                  "figures": {k: v for k, v in outcome.figures.items() if "slope" in k or k.startswith("soak.")},
                  "rss_ci": [rss.low, rss.high],
                  "bursts": [[b.start_unix, b.end_unix, b.failures, b.operations] for b in soak.bursts]}))
"""


def run_once(run_dir: Path) -> dict:
    """``memload report RUN_DIR`` as a user runs it (its wall time is the figure of issue 13), then
    the breakdown in a child process of its own."""
    memload = Path(sys.executable).parent / "memload"
    started = time.perf_counter()
    done = subprocess.run([str(memload), "report", str(run_dir)], capture_output=True, text=True, check=False)
    wall_s = time.perf_counter() - started
    if done.returncode not in (0, 1):  # 1: the run's thresholds failed (the synthetic leak), as meant
        raise SystemExit(f"memload report failed ({done.returncode}):\n{done.stderr}")
    done = subprocess.run([sys.executable, "-c", CHILD, str(run_dir)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"report failed:\n{done.stderr}")
    return {"wall_s": wall_s, **json.loads(done.stdout.strip().splitlines()[-1])}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hours", type=float, default=24.0, help="length of the synthetic run (default 24)")
    parser.add_argument("--runs", type=int, default=1, help="reports to time; medians are printed (default 1)")
    parser.add_argument("--keep", type=Path, help="write the directory here and keep it (default: a temp dir)")
    args = parser.parse_args()
    spec = SoakSpec(hours=args.hours, operations=OPERATIONS[:8], burst_at_s=int(args.hours * 1800) // 10 * 10)
    with tempfile.TemporaryDirectory(prefix="memload-soak-bench-") as temp:
        run_dir = args.keep or Path(temp) / "run"
        started = time.perf_counter()
        truth = write_soak_run(run_dir, spec)
        print(f"synthetic {args.hours:g} h soak directory written in {time.perf_counter() - started:.1f} s; "
              f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
        runs = []
        for index in range(args.runs):
            runs.append(run_once(run_dir))
            r = runs[-1]
            print(f"run {index + 1}: memload report {r['wall_s']:.1f} s wall; in a child: imports "
                  f"{r['import_s']:.1f} s, write_report {r['report_s']:.1f} s, the soak analysis on its own "
                  f"{r['soak_s']:.2f} s; peak RSS {r['peak_rss_mb']:.0f} MB, verdict {r['verdict']}")
    found = runs[-1]
    figures = found["figures"]
    print(f"truth: target RSS +{spec.rss_slope_mb_per_h:g} MB/h, fds +{spec.fd_slope_per_h:g}/h, burst of "
          f"{truth.burst_failures} failures at +{spec.burst_at_s} s for {spec.burst_s} s")
    print(f"found: target RSS {figures.get('target.rss_slope_mb_per_h', float('nan')):+.2f} MB/h "
          f"[{found['rss_ci'][0]:.2f}, {found['rss_ci'][1]:.2f}], fds {figures.get('target.num_fds_slope_per_h', 0):+.2f}/h, "
          f"leaks {figures.get('soak.leaks', 0):g}, bursts {found['bursts']}")
    wall_s = statistics.median(r["wall_s"] for r in runs)
    ok = wall_s <= TARGET_REPORT_S
    print(f"median memload report {wall_s:.1f} s wall (target <= {TARGET_REPORT_S:.0f} s: "
          f"{'ok' if ok else 'MISSED'}); median write_report {statistics.median(r['report_s'] for r in runs):.1f} s; "
          f"load average {os.getloadavg()[0]:.2f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
