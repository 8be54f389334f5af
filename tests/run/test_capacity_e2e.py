"""`memload capacity` end to end: real probes (each a complete run against the reference target),
the search document and its report, the answer on the console."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from memload_cli import only_run_dir, run_memload

pytestmark = pytest.mark.integration


def test_a_search_whose_probe_passes_at_the_highest_rate_allowed_stops_there(tmp_path: Path) -> None:
    result = run_memload(
        "capacity",
        "capacity_search",
        "--start-rate",
        "40",
        "--max-rate",
        "40",
        "--probe-duration",
        "20s",
        "--probe-warmup",
        "2s",
        "--slo",
        "search.p95_ms < 2000",
        "--for-rps",
        "100",
        "--out",
        str(tmp_path),
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    search_dir = only_run_dir(tmp_path)
    document = json.loads((search_dir / "capacity_search.json").read_text())
    assert [p["rate"] for p in document["probes"]] == [40]
    assert all(p["passed"] for p in document["probes"]) and document["max_rate_at_slo"] == 40
    assert "every probe passed, up to the highest rate allowed" in document["stop_reason"]
    for probe in document["probes"]:
        probe_dir = search_dir / probe["run_dir"]
        assert (probe_dir / "report" / "summary.json").is_file()
        assert probe["figures"]["search.p95_ms"] < 2000
        assert abs(probe["figures"]["total.rps"] - probe["rate"]) < probe["rate"] * 0.35
    summary = json.loads((search_dir / "report" / "summary.json").read_text())
    assert summary["figures"]["capacity.max_rps_at_slo"] == 40
    assert summary["instances"] == 4  # 100 req/s at 40 each with 30 % spare: ceil(100 / 28)
    assert "(at 40 req/s offered) with search p95 < 2000 ms" in result.stdout
    assert (search_dir / "report" / "plots" / "rate_search.png").is_file()
