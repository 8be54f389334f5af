"""LLM streaming figures, from memload's per-interval files (the recorder fills them for
streamed chat requests; definitions in shared/design.md, quoted in every report by
``DEFINITIONS``). The plots of them are in ``memload.analysis.plots.llm``.

Figures, for ``llm_chat``, ``rag_query`` (when it streamed) and ``total``, over the steady window's
intervals: ``ttft_ms``, ``ttfot_ms``, ``itl_ms``, ``tpot_ms``, ``e2e_ms`` (means) and their
``_p50_ms`` .. ``_p999_ms`` (exact, from the merged histograms); ``output_tokens`` and
``reasoning_tokens`` (means per successful LLM request); ``output_tokens_per_s`` (all output tokens
/ seconds of load); ``goodput_rps`` and ``slo_met_ratio`` (requests that met every per-request SLO
of ``[llm] slo``; absent when the scenario states none). The same figures per model and by the
server's cache answer, under breakdown scopes (``llm_chat|model=gpt-4``, ``llm_chat|cache=hit``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from memload import names as C
from memload.analysis.figures.exact import ExactView, latency_figures
from memload.analysis.read.intervals import TOTAL
from memload.scenario.figures import LLM_LATENCIES, is_known_figure

DEFINITIONS: tuple[tuple[str, str], ...] = (
    (
        "ttft_ms",
        "request start (the scheduled start in an open-model run) to the first SSE chunk carrying a "
        "token of any kind: choices[0].delta.content, or delta.reasoning_content / delta.reasoning "
        "(reasoning models)",
    ),
    ("ttfot_ms", "request start to the first chunk whose choices[0].delta.content is non-empty"),
    (
        "e2e_ms",
        "request start to the end of the answer: data: [DONE], or the connection's end after a "
        "finish_reason (a stream that ends before any finish_reason fails as 'stream cut'); "
        "the whole JSON body when not streamed",
    ),
    ("itl_ms", "each gap between consecutive token chunks (content or reasoning), pooled"),
    (
        "tpot_ms",
        "(e2e − ttft) / (output_tokens − 1), per request: every generated token, all generation time",
    ),
    (
        "output_tokens",
        "usage.completion_tokens when the server sends it (its own chunk with stream_options."
        "include_usage, or the finish chunk, or the JSON body), otherwise the token chunks counted; "
        "reasoning tokens included",
    ),
    (
        "reasoning_tokens",
        "usage.completion_tokens_details.reasoning_tokens when given, otherwise the reasoning chunks",
    ),
    ("output_tokens_per_s", "all output tokens of the window / seconds of load in it"),
    (
        "goodput_rps",
        "LLM requests per second that met every per-request SLO of [llm] slo (none stated: not measured)",
    ),
    ("slo_met_ratio", "the share of LLM requests that met every per-request SLO"),
)
LLM_TABLE_METRICS: tuple[str, ...] = ("ttft", "ttfot", "itl", "tpot", "e2e")


def slo_of(meta: Mapping[str, Any]) -> dict[str, float]:
    """The per-request SLOs the run stated (``[llm] slo`` of the resolved scenario in run.json)."""
    scenario = meta.get(C.RUN_SCENARIO)
    llm = scenario.get("llm") if isinstance(scenario, Mapping) else None
    slo = llm.get("slo") if isinstance(llm, Mapping) else None
    if not isinstance(slo, Mapping):
        return {}
    return {str(k): float(v) for k, v in slo.items() if isinstance(v, (int, float))}


def slo_text(slo: Mapping[str, float]) -> str:
    """The SLOs as the report states them, or why goodput is absent."""
    if not slo:
        return "no per-request SLO stated ([llm] slo): goodput is not measured"
    return "every request: " + ", ".join(f"{name} ≤ {limit:g}" for name, limit in slo.items())


def llm_scopes(view: ExactView) -> list[str]:
    """Scopes with streamed LLM requests in the window (``total`` last, when any)."""
    scopes = [
        s
        for s in view.scopes
        if view.counts.get(s, {}).get(C.IC_LLM_REQUESTS, 0) > 0 or view.histogram(s, "ttft_ms") is not None
    ]
    return scopes + [TOTAL] if scopes else []


def llm_breakdowns(view: ExactView) -> list[str]:
    """Breakdown scopes with LLM requests in the window, where they tell something: per model when
    an operation asked more than one model, by cache answer when the server gave more than one
    (X-Cache: HIT and MISS; all BYPASS would repeat the operation's own figures)."""
    present = [s for s in view.breakdowns if view.counts.get(s, {}).get(C.IC_LLM_REQUESTS, 0) > 0]

    def kind_of(scope: str) -> tuple[str, str]:
        operation, _, breakdown = scope.partition(C.BREAKDOWN_SEPARATOR)
        return operation, breakdown.partition("=")[0]

    groups: dict[tuple[str, str], int] = {}
    for scope in present:
        groups[kind_of(scope)] = groups.get(kind_of(scope), 0) + 1
    shown = [s for s in present if groups[kind_of(s)] > 1]
    return sorted(shown, key=lambda s: (kind_of(s)[1] != "model", s))


def _scope_llm(view: ExactView, scope: str, slo: Mapping[str, float]) -> dict[str, float]:
    figures: dict[str, float] = {}
    for name in LLM_LATENCIES:
        metric = f"{name}_ms"
        values = latency_figures(view.histogram(scope, metric), metric, prefix=f"{name}_")
        figures.update({k: v for k, v in values.items() if not k.endswith("max_ms")})
        if f"{name}_mean_ms" in figures:
            figures[metric] = figures.pop(f"{name}_mean_ms")
    counters = view.counts.get(scope, {})
    requests = counters.get(C.IC_LLM_REQUESTS, 0.0)
    tokens = counters.get(C.IC_OUTPUT_TOKENS, 0.0)
    if requests > 0:
        figures["output_tokens"] = tokens / requests
        figures["reasoning_tokens"] = counters.get(C.IC_REASONING_TOKENS, 0.0) / requests
    rates = {"output_tokens_per_s": tokens}
    if slo:
        rates["goodput_rps"] = counters.get(C.IC_GOODPUT, 0.0)
        if requests > 0:
            figures["slo_met_ratio"] = counters.get(C.IC_GOODPUT, 0.0) / requests
    for metric, amount in rates.items():
        rate = view.per_s(amount)
        if rate is not None:
            figures[metric] = rate
    return figures


def llm_figures(view: ExactView | None, slo: Mapping[str, float] | None = None) -> dict[str, float]:
    """LLM figures by address over the steady window; none without memload's files."""
    if view is None:
        return {}
    figures = {}
    for scope in llm_scopes(view) + llm_breakdowns(view):
        for metric, value in _scope_llm(view, scope, slo or {}).items():
            address = f"{scope}.{metric}"
            if is_known_figure(address) and math.isfinite(value):
                figures[address] = float(value)
    return figures


@dataclass(frozen=True, kw_only=True)
class TokenSource:
    llm_requests: int
    from_usage: int

    @property
    def text(self) -> str:
        if self.llm_requests == 0:
            return "no streamed chat requests"
        if self.from_usage == self.llm_requests:
            return f"usage chunk (all {self.llm_requests:,} requests)"
        if self.from_usage == 0:
            return f"content chunks counted (no usage chunk in any of {self.llm_requests:,} requests)"
        return (
            f"mixed: usage chunk for {self.from_usage:,} of {self.llm_requests:,} requests, "
            "content chunks counted for the rest"
        )


def token_source(view: ExactView) -> TokenSource:
    total = view.counts.get(TOTAL, {})
    return TokenSource(
        llm_requests=int(total.get(C.IC_LLM_REQUESTS, 0)),
        from_usage=int(total.get(C.IC_TOKENS_FROM_USAGE, 0)),
    )
