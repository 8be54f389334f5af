"""memload's own recorder, a listener on Locust's request event (locustfiles only fire events).

Every request goes into HDR histograms per 10 s interval (memload.loadgen.histograms): its response time,
and for streamed chat its TTFT, inter-token latencies, TPOT, e2e and tokens/s; open-model
requests add the time they waited to start. Workers send what they recorded to the master with
each Locust report; the master (or a lone process) merges and writes closed intervals to the
results directory. Goodput counts requests that met every LLM threshold of the scenario.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gevent
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from memload import names as C
from memload.loadgen import failures, locust_csv, trims
from memload.loadgen.histograms import INTERVAL_S, IntervalStore, StoreWriter, interval_of
from memload.scenario import Scenario
from memload.scenario.thresholds import Threshold, parse_thresholds

RUN_DIR_ENV = "MEMLOAD_RUN_DIR"
PAYLOAD_KEY = "memload_histograms"
EXAMPLES_KEY = "memload_failure_examples"
FLUSH_EVERY_S = 5.0
FLUSH_LAG_S = INTERVAL_S + 8.0  # workers report every 3 s: an interval is complete well before this
LLM_FAMILIES = {"ttft": "ttft_ms", "tpot": "tpot_ms", "e2e": "e2e_ms", "itl": "itl_ms"}


@dataclass(frozen=True)
class LlmCheck:
    """One LLM threshold applied to a single request (``ttft_p95_ms < 2000`` -> ttft_ms < 2000)."""

    field: str
    threshold: Threshold

    def passes(self, llm: dict[str, Any]) -> bool:
        value = llm.get(self.field)
        if self.field == "itl_ms":
            value = max(value) if value else None
        return value is not None and self.threshold.passes(float(value))


def llm_checks(scenario: Scenario) -> list[LlmCheck]:
    checks = []
    for threshold in parse_thresholds(scenario.thresholds):
        scope, _, metric = threshold.address.partition(".")
        family = metric.split("_", 1)[0]
        if scope in ("llm_chat", "total") and family in LLM_FAMILIES:
            checks.append(LlmCheck(LLM_FAMILIES[family], threshold))
    return checks


class Recorder:
    def __init__(self, checks: list[LlmCheck]) -> None:
        self.store = IntervalStore()
        self.checks = checks

    def on_request(
        self,
        name: str,
        response_time: float,
        exception: Any = None,
        context: dict[str, Any] | None = None,
        **_: Any,
    ) -> None:
        now = time.time()
        store = self.store
        store.count(name, C.IC_REQUESTS, unix_s=now)
        store.record(name, C.METRIC_RESPONSE, response_time, unix_s=now)
        context = context or {}
        if "queue_ms" in context:
            store.record(name, C.METRIC_QUEUE, context["queue_ms"], unix_s=now)
        if exception is not None:
            store.count(name, C.IC_FAILURES, unix_s=now)
            return
        llm = context.get("llm")
        if llm:
            self.record_llm(name, llm, now)

    def record_llm(self, name: str, llm: dict[str, Any], now: float) -> None:
        store = self.store
        for field in ("ttft_ms", "tpot_ms", "e2e_ms"):
            if llm.get(field) is not None:
                store.record(name, field, llm[field], unix_s=now)
        for gap_ms in llm.get("itl_ms") or ():
            store.record(name, "itl_ms", gap_ms, unix_s=now)
        tokens = int(llm.get("output_tokens") or 0)
        store.count(name, C.IC_OUTPUT_TOKENS, tokens, unix_s=now)
        store.count(name, C.IC_LLM_REQUESTS, unix_s=now)
        if llm.get("tokens_source") == "usage":
            store.count(name, C.IC_TOKENS_FROM_USAGE, unix_s=now)
        if tokens and llm.get("e2e_ms"):
            store.record(name, C.METRIC_TOKENS_PER_S, tokens / (llm["e2e_ms"] / 1000.0), unix_s=now)
        if all(check.passes(llm) for check in self.checks):
            store.count(name, C.IC_GOODPUT, unix_s=now)

    def dropped(self, name: str) -> None:
        self.store.count(name, C.IC_DROPPED, unix_s=time.time())


_current: Recorder | None = None


def current() -> Recorder | None:
    """This process's recorder (None outside a memload run)."""
    return _current


def install(environment: Environment, scenario: Scenario) -> Recorder:
    """Wire a recorder into this Locust process according to its role."""
    global _current
    recorder = _current = Recorder(llm_checks(scenario))
    environment.events.request.add_listener(recorder.on_request)
    examples = failures.install(environment.events)  # first of the listeners: before Locust's own
    runner = environment.runner
    if isinstance(runner, WorkerRunner):

        def report(client_id: str, data: dict[str, Any]) -> None:
            data[PAYLOAD_KEY] = recorder.store.drain()
            data[EXAMPLES_KEY] = examples.drain()

        environment.events.report_to_master.add_listener(report)
        return recorder
    if isinstance(runner, MasterRunner):

        def merge(client_id: str, data: dict[str, Any]) -> None:
            recorder.store.merge(data.get(PAYLOAD_KEY, {}))
            examples.merge(data.get(EXAMPLES_KEY))

        environment.events.worker_report.add_listener(merge)
    run_dir = os.environ.get(RUN_DIR_ENV)
    if run_dir:
        _start_writing(environment, recorder, StoreWriter(Path(run_dir)), examples, Path(run_dir))
    return recorder


def _start_writing(
    environment: Environment,
    recorder: Recorder,
    writer: StoreWriter,
    examples: failures.FailureExamples,
    run_dir: Path,
) -> None:
    def flush_closed() -> None:
        while True:
            gevent.sleep(FLUSH_EVERY_S)
            writer.write(recorder.store.pop_closed(before_interval=interval_of(time.time() - FLUSH_LAG_S)))
            examples.write(run_dir)
            trims.trim_all(environment, now_s=time.time())

    flusher = gevent.spawn(flush_closed)

    def flush_all(**_: Any) -> None:  # after the master's final collection of worker reports
        flusher.kill(block=False)
        writer.write(recorder.store.pop_closed(before_interval=None))
        examples.write(run_dir)
        locust_csv.write_final_rows()

    environment.events.quit.add_listener(flush_all)
