"""The live Prometheus endpoint (memload.loadgen.live.metrics) scraped during a real run, with two workers:
what it shows is memload's own figures, merged across workers, a prefix of what the results
directory ends up holding (it adds each closed 10 s interval as the master writes it)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from memload import names as C
from memload.run.processes import free_port
from memload_cli import only_run_dir, start_memload

pytestmark = pytest.mark.integration


def scrape(url: str) -> dict[tuple[str, str], float]:
    """(sample name, operation) -> value, of the counters and the response histogram's count."""
    found = {}
    for family in text_string_to_metric_families(requests.get(url, timeout=5).text):
        for sample in family.samples:
            if sample.name in ("memload_requests_total", "memload_response_seconds_count"):
                found[(sample.name, sample.labels["operation"])] = sample.value
            if sample.name == "process_resident_memory_bytes":
                found[(sample.name, "")] = sample.value
    return found


def test_the_live_counts_are_the_results_directorys_as_the_run_goes(tmp_path: Path) -> None:
    port = free_port()
    run = start_memload(
        "run",
        "smoke",
        "--duration",
        "35s",
        "--workers",
        "2",
        "--metrics-port",
        str(port),
        "--out",
        str(tmp_path),
        "--quiet",
    )
    scrapes = []
    while run.poll() is None:
        try:
            scrapes.append(scrape(f"http://127.0.0.1:{port}/metrics"))
        except requests.RequestException:
            pass
        time.sleep(1.0)
    out, err = run.communicate()
    assert run.returncode == 0, err[-3000:]
    counts = pd.read_csv(only_run_dir(tmp_path) / C.COUNTS_CSV)
    with_requests = [
        s for s in scrapes if any(k[0] == "memload_requests_total" and v > 0 for k, v in s.items())
    ]
    assert len(with_requests) >= 3, f"{len(scrapes)} scrapes, {len(with_requests)} with requests"
    for scraped in with_requests:
        assert scraped[("process_resident_memory_bytes", "")] > 10e6  # the master's own RSS
        for (name, operation), value in scraped.items():
            if name != "memload_requests_total":
                continue
            rows = counts[counts[C.IC_SCOPE] == operation].groupby(C.IC_INTERVAL)[C.IC_REQUESTS].sum()
            prefixes = np.concatenate(([0], np.cumsum(rows.sort_index().to_numpy())))
            assert value in prefixes, (operation, value, prefixes)  # whole closed intervals, in order
            assert scraped[("memload_response_seconds_count", operation)] == value  # one value per request
    last = with_requests[-1]
    total = sum(v for (name, _), v in last.items() if name == "memload_requests_total")
    # it kept up: the lag is one interval plus the workers' report delay (~20 s), so every interval
    # that started 30 s before the last one was in by the last scrape
    early = counts[counts[C.IC_INTERVAL] <= counts[C.IC_INTERVAL].max() - 30]
    assert total >= early[C.IC_REQUESTS].sum() > 0
