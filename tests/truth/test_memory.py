"""e. The load generator's memory stays flat: a 10-minute run at 500 requests/s with two workers,
RSS of the master and of each worker from resources.csv, a least-squares line after the first
minute. Slow (11 minutes): benchmarks/bench_truth.py memory prints the same figures."""
from __future__ import annotations

import pytest

import truth_proofs


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_master_and_worker_memory_is_flat_over_ten_minutes(work) -> None:
    result = truth_proofs.proof_memory(work, minutes=10, rate=500)
    assert result["rps"] >= 490 and result["failures"] == 0, result
    assert {"locust-master", "locust-worker-1", "locust-worker-2"} <= set(result["roles"])
    for role, slope in result["roles"].items():
        assert abs(slope["slope_mb_per_h"]) < 1.0, (role, slope)


def test_drained_merged_and_written_histograms_are_freed_without_the_cyclic_collector(tmp_path) -> None:
    """hdrh's histogram and encoder refer to each other; memload breaks that cycle when it drops a
    histogram, so nothing waits for the collector (which left alone let RSS grow for minutes)."""
    import gc

    from hdrh.histogram import HdrHistogram

    from memload.loadgen.histograms import IntervalStore, StoreWriter, interval_of

    workers, master, writer = [IntervalStore(), IntervalStore()], IntervalStore(), StoreWriter(tmp_path)
    gc.collect()
    gc.disable()
    try:
        for step in range(40):  # two minutes of 3 s worker reports and 6 s flushes
            now = 1_800_000_000.0 + 3 * step
            for worker in workers:
                for i in range(30):
                    worker.record(("search", "get_memory")[i % 2], "response_ms", 1.0 + i, unix_s=now + i * 0.1)
                master.merge(worker.drain())
            if step % 2:
                writer.write(master.pop_closed(before_interval=interval_of(now - 18)))
        alive = sum(isinstance(o, HdrHistogram) for o in gc.get_objects())
        assert alive <= len(master.histograms) + 2, alive  # the master's open intervals (and no garbage)
    finally:
        gc.enable()


@pytest.mark.integration
def test_locust_trims_run_in_a_locust_process() -> None:
    """The trims touch Locust's own objects; importing Locust monkey-patches the interpreter with
    gevent, which the test process must not be, so they run in a child Python."""
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).with_name("locust_trims_check.py")
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "3 checks passed"


def test_drawn_chart_history_spans_the_whole_run_within_its_bound() -> None:
    """With a web UI, Locust's chart history (an entry every 5 s) is thinned, not cut: after a
    simulated 24 hours of 5 s entries and trims, it still starts at the first entry, ends at the
    newest and has no gap wider than a few run-length / keep steps."""
    from datetime import UTC, datetime

    from memload.loadgen.trims import HISTORY_DRAWN_KEEP, thin_chart_history

    def entry(second: int) -> dict:
        return {"time": datetime.fromtimestamp(1_800_000_000 + second, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}

    history = []
    for second in range(0, 24 * 3600, 5):
        history.append(entry(second))
        thin_chart_history(history, keep=HISTORY_DRAWN_KEEP)
        assert len(history) <= HISTORY_DRAWN_KEEP
    seconds = [datetime.fromisoformat(e["time"]).timestamp() - 1_800_000_000 for e in history]
    assert seconds[0] == 0 and seconds[-1] == 24 * 3600 - 5
    assert len(history) > HISTORY_DRAWN_KEEP // 2
    assert max(b - a for a, b in zip(seconds, seconds[1:])) <= 2 * 24 * 3600 / (HISTORY_DRAWN_KEEP // 2)
    short = [entry(s) for s in range(0, 600, 5)]
    thin_chart_history(short, keep=HISTORY_DRAWN_KEEP)
    assert short == [entry(s) for s in range(0, 600, 5)]  # a run that fits is left alone
