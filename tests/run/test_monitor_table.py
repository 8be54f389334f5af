"""The scenario's [monitor] table and --monitor-pid / --monitor-url: what they accept, their
one-line errors, the processes found by command line, and the scraper that reads several endpoints
and keeps the buckets of the named series only."""

from __future__ import annotations

import csv
import http.server
import os
import subprocess
import sys
import threading
import time

import click
import pytest

from memload import names as C
from memload.monitor.options import with_monitor_options
from memload.monitor.sampling import MetricsScraper
from memload.monitor.setup import find_processes
from memload.scenario import ScenarioError, parse_scenario

BASE = {"load": {"users": 1, "duration": "5s"}, "mix": {"search": 1}}


def _scenario(monitor: dict, thresholds: dict | None = None):
    return parse_scenario({**BASE, "monitor": monitor, "thresholds": thresholds or {}}, source="s.toml")


def test_a_full_monitor_table_is_kept_as_written():
    monitor = {
        "metrics": ["http://127.0.0.1:9/metrics"],
        "pids": [12],
        "process_names": ["vllm serve"],
        "cache_hits": "app_hits_total",
        "cache_misses": "app_misses_total",
        "series": ["vllm:num_waiting"],
    }
    scenario = _scenario(monitor, {"target.vllm:num_waiting.max": "< 5"})
    assert scenario.monitor == monitor


@pytest.mark.parametrize(
    ("monitor", "thresholds", "where", "says"),
    [
        ({"pid": [1]}, None, "monitor.pid", "unknown key; allowed: metrics, pids"),
        ({"pids": [0]}, None, "monitor.pids", "whole number ≥ 1"),
        ({"metrics": ["127.0.0.1:9/metrics"]}, None, "monitor.metrics", "not an http:// or https:// URL"),
        ({"process_names": "vllm"}, None, "monitor.process_names", "non-empty list of strings"),
        ({"cache_hits": "app-hits"}, None, "monitor.cache_hits", "not a Prometheus metric name"),
        ({}, {"target.app_queue.max": "< 5"}, "monitor.series", "name it in [monitor] series"),
    ],
)
def test_every_key_of_the_monitor_table_is_checked_on_load(monitor, thresholds, where, says):
    with pytest.raises(ScenarioError) as caught:
        _scenario(monitor, thresholds)
    assert str(caught.value).startswith(f"s.toml: {where}: ") and says in str(caught.value), str(caught.value)


def test_a_threshold_on_an_unknown_metric_of_a_series_is_refused():
    with pytest.raises(ScenarioError, match="unknown metric 'p42_ms'.*allowed: max, mean, per_s"):
        _scenario({"series": ["app_queue"]}, {"target.app_queue.p42_ms": "< 5"})


def test_the_command_line_adds_pids_and_urls_to_the_table():
    scenario = _scenario({"pids": [5]})
    added = with_monitor_options(scenario, {"monitor": {"monitor_pid": (7,), "monitor_url": ("http://h/m",)}})
    assert added.monitor == {"pids": [5, 7], "metrics": ["http://h/m"]}
    assert with_monitor_options(scenario, {"monitor_pid": (), "monitor_url": ()}) is scenario
    with pytest.raises(click.UsageError, match="--monitor-url: 'h/m' is not an http"):
        with_monitor_options(scenario, {"monitor_url": ("h/m",)})


def test_processes_are_found_by_a_piece_of_their_command_line_but_never_memloads_own():
    marker = f"memload-monitor-test-{os.getpid()}"
    child = subprocess.Popen([sys.executable, "-c", f"import time; time.sleep(30)  # {marker}"])
    try:
        time.sleep(0.2)
        assert find_processes([marker]) == []  # our own child: memload's, not the service's
        assert find_processes([]) == []
    finally:
        child.kill()
        child.wait()


def test_the_scraper_reads_every_endpoint_and_keeps_only_the_named_buckets(tmp_path):
    first = (
        '# TYPE app_seconds histogram\napp_seconds_bucket{le="0.1"} 3\napp_seconds_bucket{le="+Inf"} 4\n'
        "app_seconds_count 4\napp_seconds_sum 0.3\n# TYPE other_seconds histogram\n"
        'other_seconds_bucket{le="+Inf"} 1\nother_seconds_count 1\nother_seconds_sum 0.1\n'
    )
    second = "# TYPE process_open_fds gauge\nprocess_open_fds 12\n"
    path = tmp_path / C.TARGET_METRICS_CSV

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            data = (first if self.path == "/a" else second if self.path == "/b" else "").encode()
            self.send_response(200 if data else 404)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        scraper = MetricsScraper(
            path,
            f"{base}/a",
            extra_urls=(f"{base}/b", f"{base}/none"),
            keep_buckets=frozenset({"app_seconds"}),
        )
        scraper.scrape(1.0)
        scraper.scrape(2.0)
        scraper.file.close()
    finally:
        server.shutdown()
        server.server_close()
    rows = list(csv.DictReader(path.open()))
    metrics = {row[C.TM_METRIC] for row in rows}
    assert {"app_seconds_bucket", "app_seconds_count", "other_seconds_count", "process_open_fds"} <= metrics
    assert "other_seconds_bucket" not in metrics
    assert scraper.available and not scraper.loop.stopping.is_set()  # /none answered nothing: dropped quietly
