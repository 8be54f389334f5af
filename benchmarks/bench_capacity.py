"""Proofs of issue 12 (capacity) against a reference service with a known capacity, printing figures.

    .venv/bin/python benchmarks/bench_capacity.py                 # steps and search, 4 slots × 50 ms
    .venv/bin/python benchmarks/bench_capacity.py --only steps --step-s 45

steps:  a concurrency-steps run (1 … 32 users that never wait, listing their memories: the reference
        service's cheapest operation, so that its own CPU is not what limits it) against `memload
        serve --max-inflight 4 --service-time-ms 50`: saturation must sit within 10 % of the truth,
        4 × 1000 / 50 = 80 req/s.
search: `memload capacity` with the SLO total p95 < 150 ms (3 × the service time): its answer against
        the M/D/4 rate at which the queue's p95 time in system is 150 ms (a simulation of 200,000
        Poisson arrivals per rate, bisected), which must be within 10 %. The service's own overhead
        (loopback, handling: ~3.5 ms at the median here) is not in the model; at 50 ms it is a small
        part of the service time (at 4 × 20 ms the search answered 150 against the model's 168, −10.7 %).
The proofs are in tests/helpers/capacity_proofs.py (tests/truth runs them too, marked slow).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "helpers"))  # shared with the tests

from capacity_proofs import proof_search, proof_steps  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("steps", "search"))
    parser.add_argument("--step-s", type=int, default=30, help="length of each step (s)")
    parser.add_argument("--probe-s", type=int, default=20, help="measured length of each probe (s)")
    parser.add_argument("--out", type=Path, help="keep the runs here (default: a temporary folder)")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="memload-capacity-") as temp:
        work = args.out or Path(temp)
        work.mkdir(parents=True, exist_ok=True)
        if args.only in (None, "steps"):
            steps = proof_steps(work, step_s=args.step_s)
            print(f"steps:  saturation {steps['saturation_rps']:.1f} req/s against the truth "
                  f"{steps['truth_rps']:.0f} ({steps['rel_error'] * 100:+.1f} %)")
            print(f"        {steps['answer']}")
        if args.only in (None, "search"):
            search = proof_search(work, probe_s=args.probe_s)
            print(f"search: max rate at p95 < 150 ms {search['max_rate_at_slo']:.1f} req/s against M/D/4 "
                  f"{search['md_c_rate']:.1f} ({search['rel_error'] * 100:+.1f} %); saturation "
                  f"{search['saturation_rps']:.0f}")
            for rate, passed, p95 in search["probes"]:
                shown = "n/a" if p95 is None else f"{p95:.1f} ms"
                print(f"        probe {rate:g} req/s: p95 {shown} {'met' if passed else 'missed'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
