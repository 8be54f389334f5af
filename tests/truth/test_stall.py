"""b. A target that holds every response for 1 s of every 10 s. An open model (constant arrivals,
timed from the scheduled start) sees about a tenth of the requests wait up to a second, so its
p99 is about 900 ms; a closed model offering the same rate hides the stall (coordinated
omission: its users wait, so few requests meet a stall) and reports a much lower p99."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import truth_proofs
import truthkit

DURATION_S = 30


@pytest.mark.slow  # 75 s; benchmarks/bench_truth.py stall runs it longer (the default suite keeps under 15 min)
def test_open_model_sees_the_stall_and_the_closed_model_hides_it(work) -> None:
    plot = work / "stall.png"
    result = truth_proofs.proof_stall(work, duration_s=DURATION_S, plot_path=plot)
    assert result["open_p99_ms"] >= 850.0, result
    assert result["closed_p99_ms"] < 300.0 < result["open_p99_ms"] / 2, result
    # the open model kept its schedule: every arrival was sent, none dropped
    assert result["open_requests"] == pytest.approx(100 * DURATION_S, abs=2)
    assert result["open_dropped"] == 0
    # the closed model slowed down with the target instead
    assert result["closed_requests"] < result["open_requests"]
    assert plot.read_bytes().startswith(b"\x89PNG")
    # the open model's load ends with its schedule (not 15 s later): rates are not diluted
    start, end = truthkit.load_span_unix(Path(result["open_dir"]))
    assert end - start <= DURATION_S + 3.0
    info = json.loads((Path(result["open_dir"]) / "run.json").read_text())
    assert info["exit_status"] == "completed"
