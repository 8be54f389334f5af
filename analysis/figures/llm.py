"""LLM streaming figures, from memload's per-interval files (the recorder fills them for
streamed chat requests; definitions in shared/design.md, quoted in every report by
``DEFINITIONS``). The plots of them are in ``memload.analysis.plots.llm``.

Figures, for ``llm_chat``, ``rag_query`` (when it streamed) and ``total``, over the steady window's
intervals: ``ttft_ms``, ``itl_ms``, ``tpot_ms``, ``e2e_ms`` (means) and their ``_p50_ms`` ..
``_p999_ms`` (exact, from the merged histograms); ``output_tokens`` (mean per successful streamed
request); ``output_tokens_per_s`` (all output tokens / seconds of load); ``goodput_rps`` (requests
that met every LLM threshold of the scenario / seconds of load).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from memload import names as C
from memload.analysis.figures.exact import ExactView, latency_figures
from memload.analysis.read.intervals import TOTAL
from memload.scenario.figures import LLM_LATENCIES, is_known_figure

DEFINITIONS: tuple[tuple[str, str], ...] = (
    (
        "ttft_ms",
        "request start (the scheduled start in an open-model run) to the first SSE chunk whose "
        "choices[0].delta.content is non-empty",
    ),
    ("e2e_ms", "request start to the end of the stream (data: [DONE] or connection end)"),
    ("itl_ms", "each gap between consecutive content chunks after the first (a distribution, pooled)"),
    ("tpot_ms", "(e2e − ttft) / (output_tokens − 1), per request"),
    (
        "output_tokens",
        "from the final usage chunk when the server sends it (stream_options.include_usage), "
        "otherwise the number of content chunks",
    ),
    ("output_tokens_per_s", "all output tokens of the window / seconds of load in it"),
    ("goodput_rps", "completed requests per second that met every LLM threshold of the scenario"),
)
LLM_TABLE_METRICS: tuple[str, ...] = ("ttft", "itl", "tpot", "e2e")


def llm_scopes(view: ExactView) -> list[str]:
    """Scopes with streamed LLM requests in the window (``total`` last, when any)."""
    scopes = [
        s
        for s in view.scopes
        if view.counts.get(s, {}).get(C.IC_LLM_REQUESTS, 0) > 0 or view.histogram(s, "ttft_ms") is not None
    ]
    return scopes + [TOTAL] if scopes else []


def _scope_llm(view: ExactView, scope: str) -> dict[str, float]:
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
    for metric, amount in (("output_tokens_per_s", tokens), ("goodput_rps", counters.get(C.IC_GOODPUT, 0.0))):
        rate = view.per_s(amount)
        if rate is not None:
            figures[metric] = rate
    return figures


def llm_figures(view: ExactView | None) -> dict[str, float]:
    """LLM figures by address over the steady window; none without memload's files."""
    if view is None:
        return {}
    figures = {}
    for scope in llm_scopes(view):
        for metric, value in _scope_llm(view, scope).items():
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
