"""memload's tabs in Locust's web UI, through Locust's own extension points (``extended_tabs`` and
``extended_tables`` in the UI's template arguments, ``extended_stats`` added to its
/stats/requests answer, which the UI polls every 2 s): per operation the exact percentiles of the
run so far and of the latest closed 10 s interval, the LLM figures (TTFT, ITL, TPOT, e2e p95; output
tokens/s; goodput), from memload's HDR histograms merged across
workers (memload.loadgen.live.metrics), and each threshold with its live value and verdict."""

from __future__ import annotations

import json
import time
from typing import Any

from locust.env import Environment

from memload import names as C
from memload.loadgen.live.metrics import LiveTotals
from memload.scenario.thresholds import LIVE_METRICS, Threshold

FIGURES_TAB = "memload"
THRESHOLDS_TAB = "memload-thresholds"
COLUMNS = [
    ("name", "Operation"),
    ("requests", "Requests"),
    ("failures", "Failures"),
    ("p50_ms", "p50 ms"),
    ("p95_ms", "p95 ms"),
    ("p99_ms", "p99 ms"),
    ("p999_ms", "p99.9 ms"),
    ("last_interval", "last 10 s from (UTC)"),
    ("last_p50_ms", "last 10 s p50"),
    ("last_p95_ms", "last 10 s p95"),
    ("last_p99_ms", "last 10 s p99"),
    ("ttft_p95_ms", "TTFT p95 ms"),
    ("itl_p95_ms", "ITL p95 ms"),
    ("tpot_p95_ms", "TPOT p95 ms"),
    ("e2e_p95_ms", "E2E p95 ms"),
    ("tokens_per_s", "output tokens/s"),
    ("goodput", "goodput"),
]
THRESHOLD_COLUMNS = [("threshold", "Threshold"), ("value", "Now"), ("verdict", "Verdict")]


def _ms(value: float | None) -> str:
    return "" if value is None else f"{value:.3g}"


def _clock(unix_s: int | None) -> str:
    return "" if unix_s is None else time.strftime("%H:%M:%S", time.gmtime(unix_s))


def _llm_rates(totals: LiveTotals, scope: str, slo: bool) -> dict[str, str]:
    """Output tokens per second over the time the totals cover, and the share of LLM requests that
    met every [llm] slo (goodput; blank without SLOs)."""
    llm_requests = totals.counted(C.IC_LLM_REQUESTS, scope)
    if not llm_requests:
        return {"tokens_per_s": "", "goodput": ""}
    covered_s = totals.covered_s()
    tokens = totals.counted(C.IC_OUTPUT_TOKENS, scope)
    goodput = totals.counted(C.IC_GOODPUT, scope) / llm_requests
    return {
        "tokens_per_s": f"{tokens / covered_s:.4g}" if covered_s else "",
        "goodput": f"{100 * goodput:.1f} %" if slo else "",
    }


def figure_rows(totals: LiveTotals, *, slo: bool = False) -> list[dict[str, Any]]:
    scopes = sorted({s for s, _ in totals.histograms} | {s for s, _ in totals.counts})
    rows = []
    for scope in [*scopes, "total"]:
        row: dict[str, Any] = {
            "name": scope,
            "requests": totals.counted(C.IC_REQUESTS, scope),
            "failures": totals.counted(C.IC_FAILURES, scope),
        }
        for label, percent in (("p50_ms", 50.0), ("p95_ms", 95.0), ("p99_ms", 99.0), ("p999_ms", 99.9)):
            row[label] = _ms(totals.percentile_ms(totals.histograms, scope, C.METRIC_RESPONSE, percent))
            if label != "p999_ms":
                row[f"last_{label}"] = _ms(
                    totals.percentile_ms(totals.last, scope, C.METRIC_RESPONSE, percent)
                )
        row["last_interval"] = _clock(totals.last_interval)
        for figure in ("ttft", "itl", "tpot", "e2e"):
            row[f"{figure}_p95_ms"] = _ms(
                totals.percentile_ms(totals.histograms, scope, f"{figure}_ms", 95.0)
            )
        row.update(_llm_rates(totals, scope, slo))
        rows.append(row)
    return rows


def threshold_rows(totals: LiveTotals, thresholds: list[Threshold]) -> list[dict[str, Any]]:
    rows = []
    for threshold in thresholds:
        name = f"{threshold.address} {threshold.condition}" + (
            " (abort_on_fail)" if threshold.abort_on_fail else ""
        )
        if threshold.address.partition(".")[2] not in LIVE_METRICS:
            rows.append({"threshold": name, "value": "", "verdict": "judged in the report"})
            continue
        value = totals.figure(threshold.address)
        verdict = "n/a yet" if value is None else ("pass" if threshold.passes(value) else "FAIL")
        rows.append({"threshold": name, "value": "" if value is None else f"{value:.4g}", "verdict": verdict})
    return rows


def install_web_tabs(
    environment: Environment, totals: LiveTotals, thresholds: list[Threshold], *, slo: bool = False
) -> None:
    web_ui = environment.web_ui
    if web_ui is None or web_ui.app is None:
        return
    app = web_ui.app
    from flask import request

    web_ui.template_args["extended_tabs"] = [
        {"title": "memload", "key": FIGURES_TAB},
        {"title": "memload thresholds", "key": THRESHOLDS_TAB},
    ]
    web_ui.template_args["extended_tables"] = [
        {"key": FIGURES_TAB, "structure": [{"key": k, "title": t} for k, t in COLUMNS]},
        {"key": THRESHOLDS_TAB, "structure": [{"key": k, "title": t} for k, t in THRESHOLD_COLUMNS]},
    ]

    @app.after_request
    def add_memload_stats(response: Any) -> Any:
        if request.path != "/stats/requests" or not response.is_json:
            return response
        extended = [
            {"key": FIGURES_TAB, "data": figure_rows(totals, slo=slo)},
            {"key": THRESHOLDS_TAB, "data": threshold_rows(totals, thresholds)},
        ]
        response.set_data(json.dumps({**response.get_json(), "extended_stats": extended}))
        return response
