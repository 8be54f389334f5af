"""Proofs of issue 13 (soak) against the reference service, compressed to 3-minute runs, printing figures.

    .venv/bin/python benchmarks/bench_soak.py                 # leaks, one clean run, a restart
    .venv/bin/python benchmarks/bench_soak.py --clean-runs 5  # and the false-alarm check

leaks:   `[reference] leak_bytes_per_request = 1000, leak_fd_every = 100`: the target's RSS and fd
         slopes (Theil–Sen) against what was injected (requests/s × the amount per request); both
         must be flagged, and each slope within 25 % of the injection.
clean:   the same run without injection: no leak flagged (repeated --clean-runs times).
restart: the target killed 70 s in and restarted 12 s later on the same port: the error burst must
         be found where the target was down (within one 10 s interval), and the run recovers.
The proofs are in tests/helpers/soak_proofs.py (tests/truth runs them, marked slow).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "helpers"))  # shared with the tests

from soak_proofs import proof_clean, proof_leaks, proof_restart  # noqa: E402


PROOFS = ("leaks", "clean", "restart")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("proofs", nargs="*", metavar="PROOF", help=f"any of {', '.join(PROOFS)} (default: all)")
    parser.add_argument("--clean-runs", type=int, default=1, help="runs without injection (issue 13 asks for 5)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if set(args.proofs) - set(PROOFS):
        parser.error(f"unknown proof(s) {', '.join(sorted(set(args.proofs) - set(PROOFS)))}; any of {', '.join(PROOFS)}")
    proofs = set(args.proofs or PROOFS)
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="memload-soak-") as temp:
        work = args.out or Path(temp)
        work.mkdir(parents=True, exist_ok=True)
        if "leaks" in proofs:
            _print_leaks(proof_leaks(work))
        flagged = 0
        for index in range(args.clean_runs if "clean" in proofs else 0):
            clean = proof_clean(work, seed=22 + index, name=f"clean-{index + 1}")
            flagged += clean["leaks"] > 0
            print(
                f"clean {index + 1}: {clean['leaks']:.0f} flagged, RSS {clean['rss_slope']:+.2f} MB/h, "
                f"verdict {clean['verdict']}"
            )
        if "clean" in proofs:
            print(f"clean runs with a false alarm: {flagged} of {args.clean_runs}")
        if "restart" in proofs:
            _print_restart(proof_restart(work))
    return 0


def _print_leaks(leaks: dict) -> None:
    print(
        f"leaks:   {leaks['leaks']:.0f} flagged; RSS {leaks['rss_slope']:.1f} MB/h against {leaks['rss_truth']:.1f} "
        f"injected ({(leaks['rss_slope'] / leaks['rss_truth'] - 1) * 100:+.1f} %); fds "
        f"{leaks['fd_slope']:.0f}/h against {leaks['fd_truth']:.0f} "
        f"({(leaks['fd_slope'] / leaks['fd_truth'] - 1) * 100:+.1f} %)"
    )


def _print_restart(restart: dict) -> None:
    down = (restart["killed_unix"], restart["restarted_unix"])
    print(
        f"restart: target down +{down[0] - restart['started_unix']:.1f} s to "
        f"+{down[1] - restart['started_unix']:.1f} s; bursts found: "
        + ", ".join(
            f"+{a - restart['started_unix']:.0f} s to +{b - restart['started_unix']:.0f} s ({n} failures)"
            for a, b, n in restart["bursts"]
        )
    )


if __name__ == "__main__":
    sys.exit(main())
