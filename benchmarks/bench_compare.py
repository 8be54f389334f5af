"""Proofs of issue 15 (compare) against the reference service, one-minute runs, printing figures.

    flock /tmp/memload-load.lock .venv/bin/python benchmarks/bench_compare.py                # all
    flock /tmp/memload-load.lock .venv/bin/python benchmarks/bench_compare.py --only identical --pairs 3

cache:     the response cache off (baseline) against on, same seed and scenario (llm_chat only):
           llm_chat.p95_ms must be judged "improved" by far more than 20 %.
identical: --pairs pairs of runs with the same settings: the figures called changed in each
           (should be none), the false-positive rate over every figure of every pair against what
           alpha allows (binomial, 95 %), the most pairs any one figure was called changed in;
           the run-to-run noise measured from all these runs (as `memload compare --calibrate`);
           and the pairs' first runs against their second runs with --runs-per-side.
sides:     --sides runs a side, alternating: the baseline and 1 ms added to search, compared with
           --runs-per-side (each run one sample): the +1 ms told from the run-to-run noise?
--runs DIR...: instead of new identical runs, the pairs of runs already in DIRs (same-*-a/b).
latency:   `added_latency_ms_on = "search=20"` and `"search=1"` in the candidate only, against the
           first identical run: +20 ms must be a real regression (exit 1); +1 ms on a figure of a
           few ms is printed with its interval, whatever the verdict.
The proofs are in tests/helpers/compare_proofs.py (tests/truth runs them, marked slow).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "helpers"))  # shared with the tests

from scipy.stats import binom  # noqa: E402

from compare_proofs import (  # noqa: E402
    changed,
    identical_pairs_in,
    memload_compare,
    memload_run,
    proof_added_latency,
    proof_cache,
    proof_identical,
    proof_runs_per_side,
    row_line,
    rows_of,
)
from memload.analysis.compare.noise.report import calibration_lines  # noqa: E402

ALPHA = 0.05

PROOFS = ("cache", "identical", "latency", "sides")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(PROOFS), help=f"comma-separated, of: {', '.join(PROOFS)}")
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--sides", type=int, default=3, help="runs a side of the sides proof")
    parser.add_argument(
        "--cache-model",
        default="gpt-3.5-turbo",
        help="latency profile of the cache proof (a miss ~0.6 s; fast: a miss ~4-10 ms at p95)",
    )
    parser.add_argument("--out", type=Path, help="keep the runs here (default: a temporary folder)")
    parser.add_argument("--runs", type=Path, nargs="+", help="identical pairs already run (DIR/same-*-a, -b)")
    args = parser.parse_args()
    chosen = set(args.only.split(","))
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="memload-compare-") as temp:
        work = args.out or Path(temp)
        work.mkdir(parents=True, exist_ok=True)
        if "cache" in chosen:
            cache = proof_cache(work, args.cache_model)
            print(
                f"cache off -> on: {row_line(cache['rows'], 'llm_chat.p95_ms')}; verdict {cache['verdict']}"
            )
            print(f"  also: {row_line(cache['rows'], 'llm_chat.p50_ms')}")
        baseline = None
        if "identical" in chosen:
            pairs = identical_pairs_in(args.runs) if args.runs else proof_identical(work, args.pairs)
            baseline = pairs[0]["baseline"]
            identical_figures(pairs, work)
        if "latency" in chosen:
            baseline = baseline or memload_run(work, "baseline")
            for ms in (20.0, 1.0):
                found = proof_added_latency(work, baseline, ms)
                print(f"search +{ms:g} ms: exit {found['exit']}, verdict {found['verdict']}")
                for figure in ("p50_ms", "p95_ms", "p99_ms"):
                    print(f"  {row_line(found['rows'], f'search.{figure}')}")
        if "sides" in chosen:
            found = proof_runs_per_side(work, args.sides, 1.0)
            print(f"{args.sides} runs a side, search +1 ms: exit {found['exit']}, verdict {found['verdict']}")
            for name in ("search.p50_ms", "search.p95_ms", "search.p99_ms", "total.p50_ms", "search.rps"):
                print(f"  {row_line(found['rows'], name)}")
            print(f"  changed: {changed(found['rows'])}")
    return 0


def identical_figures(pairs: list[dict], work: Path) -> None:
    per_figure: Counter[str] = Counter()
    called = total = 0
    for index, pair in enumerate(pairs):
        names = changed(pair["rows"])
        per_figure.update(names)
        called += len(names)
        total += len(pair["rows"])
        print(
            f"identical pair {index + 1}: exit {pair['exit']}, "
            f"{len(names)} of {len(pair['rows'])} changed: {names}"
        )
        for name in names:
            print(f"  {row_line(pair['rows'], name)}")
    worst = per_figure.most_common(1)[0] if per_figure else ("none", 0)
    allowed = int(binom.ppf(0.95, total, ALPHA))
    per_allowed = int(binom.ppf(0.95, len(pairs), ALPHA))
    print(
        f"identical: {called} of {total} figures called changed ({called / total:.1%}; alpha {ALPHA:.0%} "
        f"allows up to {allowed}, binomial 95 %); the most often called: {worst[0]} in {worst[1]} of "
        f"{len(pairs)} pairs (allowed: {per_allowed})"
    )
    runs = [p["baseline"] for p in pairs] + [p["candidate"] for p in pairs]
    for line in calibration_lines(runs)[:14]:
        print(line)
    if len(pairs) >= 2:
        options = ("--runs-per-side", str(len(pairs)), "--out", str(work / "sides"))
        code, document = memload_compare(
            pairs[0]["baseline"],
            pairs[0]["candidate"],
            *options,
            more=runs[1 : len(pairs)] + runs[len(pairs) + 1 :],
        )
        names = changed(rows_of(document))
        print(
            f"--runs-per-side {len(pairs)} (first runs against second runs): exit {code}, "
            f"{len(names)} changed: {names}"
        )


if __name__ == "__main__":
    raise SystemExit(main())
