"""memload's own recorder, a listener on Locust's request event (locustfiles only fire events).

Every request goes into HDR histograms per 10 s interval (memload.loadgen.histograms): its response time,
and for streamed chat its TTFT, inter-token latencies, TPOT, e2e and tokens/s; open-model
requests add the time they waited to start. Workers send what they recorded to the master with
each Locust report; the master (or a lone process) merges and writes closed intervals to the
results directory. Goodput counts LLM requests that met every per-request SLO of the scenario
(``[llm] slo``); without SLOs it is not counted. LLM figures are also recorded per model and by the
server's cache answer (X-Cache) under breakdown scopes (memload.names.breakdown_scope).
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any

import gevent
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from memload import names as C
from memload.loadgen import failures, locust_csv, trims
from memload.loadgen.histograms import INTERVAL_S, IntervalStore, StoreWriter, interval_of
from memload.loadgen.live import metrics as live
from memload.loadgen.live.webtab import install_web_tabs
from memload.loadgen.live.webtests import WebTests, serve_reports
from memload.loadgen.roster import install_roster
from memload.scenario import Scenario
from memload.scenario.llm import slo_passes
from memload.scenario.thresholds import Threshold, parse_thresholds

RUN_DIR_ENV = C.RUN_DIR_ENV
logger = logging.getLogger(__name__)
PAYLOAD_KEY = "memload_histograms"
EXAMPLES_KEY = "memload_failure_examples"
FLUSH_EVERY_S = 5.0
FLUSH_LAG_S = INTERVAL_S + 8.0  # workers report every 3 s: an interval is complete well before this


class Recorder:
    def __init__(
        self,
        slo: dict[str, float] | None = None,
        *,
        per_model: bool = False,
        thresholds: list[Threshold] | None = None,
    ) -> None:
        self.store = IntervalStore()
        self.slo = dict(slo or {})
        # the same figures per model (a scenario's [llm] models mix) and by X-Cache answer
        self.breakdowns = ("model", "cache") if per_model else ("cache",)
        self.thresholds = thresholds or []  # abort_on_fail and the web UI's threshold tab

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
        if "retry_wait_ms" in context:  # a 429: counted, and the wait its Retry-After asked
            store.count(name, C.IC_RATE_LIMITED, unix_s=now)
            store.record(name, C.METRIC_RETRY_WAIT, context["retry_wait_ms"], unix_s=now)
        if exception is not None:
            store.count(name, C.IC_FAILURES, unix_s=now)
            return
        if context.get("docs"):
            store.count(name, C.IC_EMBED_DOCS, int(context["docs"]), unix_s=now)
        llm = context.get("llm")
        if llm:
            self.record_llm(name, llm, now)
            for kind in self.breakdowns:
                if llm.get(kind):
                    self.record_llm(C.breakdown_scope(name, kind, str(llm[kind])), llm, now)

    def record_llm(self, name: str, llm: dict[str, Any], now: float) -> None:
        store = self.store
        for field in ("ttft_ms", "ttfot_ms", "tpot_ms", "e2e_ms"):
            if llm.get(field) is not None:
                store.record(name, field, llm[field], unix_s=now)
        for gap_ms in llm.get("itl_ms") or ():
            store.record(name, "itl_ms", gap_ms, unix_s=now)
        tokens = int(llm.get("output_tokens") or 0)
        store.count(name, C.IC_OUTPUT_TOKENS, tokens, unix_s=now)
        store.count(name, C.IC_REASONING_TOKENS, int(llm.get("reasoning_tokens") or 0), unix_s=now)
        store.count(name, C.IC_LLM_REQUESTS, unix_s=now)
        if llm.get("tokens_source") == "usage":
            store.count(name, C.IC_TOKENS_FROM_USAGE, unix_s=now)
        if tokens and llm.get("e2e_ms"):
            store.record(name, C.METRIC_TOKENS_PER_S, tokens / (llm["e2e_ms"] / 1000.0), unix_s=now)
        if self.slo and slo_passes(self.slo, llm):
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
    recorder = _current = Recorder(
        scenario.llm.slo,
        per_model=len(scenario.llm.model_names) > 1,
        thresholds=parse_thresholds(scenario.thresholds),
    )
    environment.events.request.add_listener(recorder.on_request)
    examples = failures.install(environment.events)  # first of the listeners: before Locust's own
    runner = environment.runner
    if isinstance(runner, WorkerRunner):

        def report(client_id: str, data: dict[str, Any]) -> None:
            data[PAYLOAD_KEY] = recorder.store.drain()
            data[EXAMPLES_KEY] = examples.drain()

        environment.events.report_to_master.add_listener(report)
        return recorder
    run_dir = os.environ.get(RUN_DIR_ENV)
    if isinstance(runner, MasterRunner):

        def merge(client_id: str, data: dict[str, Any]) -> None:
            recorder.store.merge(data.get(PAYLOAD_KEY, {}))
            examples.merge(data.get(EXAMPLES_KEY))

        environment.events.worker_report.add_listener(merge)
        if run_dir:
            install_roster(environment, Path(run_dir))
    if run_dir:
        _start_writing(environment, recorder, examples, Path(run_dir))
    return recorder


def _start_writing(
    environment: Environment, recorder: Recorder, examples: failures.FailureExamples, run_dir: Path
) -> None:
    out = _Destination(run_dir)
    totals = live.LiveTotals(users=lambda: environment.runner.user_count if environment.runner else 0)
    _serve_live(environment, totals)
    install_web_tabs(environment, totals, recorder.thresholds, slo=bool(recorder.slo))
    watches = [live.AbortWatch(recorder.thresholds)]
    started: list[float] = []
    web = os.environ.get(C.WEB_ENV) == "1"

    def test_start(**_: Any) -> None:
        if not started:
            started.append(time.time())
        elif web:  # a new test in the web UI: its own figures, its own abort watch, its own start
            started[0] = time.time()
            totals.reset()
            examples.first.clear()
            watches[0] = live.AbortWatch(recorder.thresholds)

    environment.events.test_start.add_listener(test_start)

    def write(closed: IntervalStore) -> None:
        totals.add(closed)
        out.writer.write(closed)
        examples.write(out.run_dir)
        now = time.time()
        since_start_s = now - started[0] if started else None
        fired = watches[0].check(totals, since_start_s=since_start_s, now_unix=now)
        if fired is not None and environment.runner is not None:
            (out.run_dir / C.ABORT_JSON).write_text(json.dumps(fired) + "\n")
            logger.warning(
                "memload: abort_on_fail: %s %s failed at %s",
                fired["address"],
                fired["condition"],
                fired["measured"],
            )  # in the web UI the test stops (and is written); headless, the run ends
            gevent.spawn(environment.runner.stop if web else environment.runner.quit)

    def flush_closed() -> None:
        while True:
            gevent.sleep(FLUSH_EVERY_S)
            write(recorder.store.pop_closed(before_interval=interval_of(time.time() - FLUSH_LAG_S)))
            trims.trim_all(environment, now_s=time.time())

    flusher = gevent.spawn(flush_closed)

    def write_everything() -> None:
        write(recorder.store.pop_closed(before_interval=None))
        locust_csv.write_final_rows()

    if web:
        serve_reports(
            environment, WebTests(environment, run_dir, move_to=out.move_to, flush=write_everything)
        )

    def flush_all(**_: Any) -> None:  # after the master's final collection of worker reports
        flusher.kill(block=False)
        write_everything()

    environment.events.quit.add_listener(flush_all)


class _Destination:
    """Where the recorder writes: the run's directory, or the current web UI test's."""

    def __init__(self, run_dir: Path) -> None:
        self.move_to(run_dir)

    def move_to(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.writer = StoreWriter(run_dir)


def _serve_live(environment: Environment, totals: live.LiveTotals) -> None:
    """The live figures on ``MEMLOAD_METRICS_PORT`` and, with the web UI, at its /metrics."""
    registry = None
    port = os.environ.get(C.METRICS_PORT_ENV)
    if port:
        registry = live.serve(
            totals, port=int(port), address=os.environ.get(C.METRICS_ADDRESS_ENV, "127.0.0.1")
        )
    app = environment.web_ui.app if environment.web_ui is not None else None
    if app is not None:
        registry = registry or live.registry_of(totals)
        app.add_url_rule(
            "/metrics",
            "memload_metrics",
            lambda: (live.exposition(registry), 200, {"Content-Type": live.CONTENT_TYPE}),
        )
