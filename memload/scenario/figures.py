"""Names of every figure memload reports: ``<scope>.<metric>`` (see shared/design.md).

This module is the one place that says which addresses exist, so that a scenario naming an
unknown figure is rejected when it is loaded, and the report and thresholds agree on names.
"""

from __future__ import annotations

from memload.checks.spec import CHECK_SCOPES, check_metrics
from memload.names import BREAKDOWN_SEPARATOR

OPERATIONS: tuple[str, ...] = (
    "create_memory",
    "create_memory_batch",
    "get_memory",
    "list_memories",
    "delete_memory",
    "search",
    "llm_chat",
    "embed",
    "rag_query",
)
PROCESS_SCOPES: tuple[str, ...] = ("target", "loadgen")
ANALYSIS_SCOPES: tuple[str, ...] = ("capacity", "soak")
SCOPES: tuple[str, ...] = OPERATIONS + ("total",) + PROCESS_SCOPES + ANALYSIS_SCOPES + CHECK_SCOPES

PERCENTILES: dict[str, float] = {"p50": 50.0, "p90": 90.0, "p95": 95.0, "p99": 99.0, "p999": 99.9}

# Request figures, for every operation and for ``total``.
REQUEST_METRICS: tuple[str, ...] = (
    "requests",
    "failures",
    "rps",
    "error_rate",
    "avg_ms",
    *(f"{p}_ms" for p in PERCENTILES),
    "max_ms",
    # open-model figures (arrival-rate scenarios)
    "queue_ms",
    "dropped",
    # 429 answers, and the seconds their users waited as the server's Retry-After asked
    "rate_limited",
    "retry_wait_s",
)
EMBED_METRICS: tuple[str, ...] = ("docs_per_s",)  # texts embedded per second (batches counted by text)

# LLM streaming figures; each latency has a mean (``ttft_ms``) and percentiles (``ttft_p95_ms``).
# ttft: to the first token of any kind (reasoning too); ttfot: to the first content token.
LLM_LATENCIES: tuple[str, ...] = ("ttft", "ttfot", "itl", "tpot", "e2e")
LLM_METRICS: tuple[str, ...] = (
    *(f"{name}_ms" for name in LLM_LATENCIES),
    *(f"{name}_{p}_ms" for name in LLM_LATENCIES for p in PERCENTILES),
    "output_tokens",
    "reasoning_tokens",
    "output_tokens_per_s",
    "goodput_rps",
    "slo_met_ratio",
)

# Process figures over the steady window: rss_mb, num_fds and threads are peaks, cpu_pct the mean,
# cpu_pct_max the peak.
PROCESS_METRICS: tuple[str, ...] = (
    "cpu_pct",
    "cpu_pct_max",
    "rss_mb",
    "num_fds",
    "threads",
    # trends after the warm-up (the soak analysis): robust slopes per hour
    "rss_slope_mb_per_h",
    "num_fds_slope_per_h",
    "threads_slope_per_h",
)
TARGET_ONLY_METRICS: tuple[str, ...] = ("cache_hit_rate",)
# A Prometheus series named in [monitor] series, over the steady window: "target.<series>.<metric>";
# a gauge's max and mean, a counter's (or a histogram's count's) rate per second, a histogram's
# percentiles from its buckets (the server's own latency, its unit taken as seconds)
SERIES_SCOPE_PREFIX = "target."
SERIES_METRICS: tuple[str, ...] = ("max", "mean", "per_s", "p50_ms", "p95_ms", "p99_ms")

LLM_SCOPES: tuple[str, ...] = ("llm_chat", "rag_query", "total")
# LLM figures broken down per model and by the server's cache answer (X-Cache: hit, miss):
# "llm_chat|model=gpt-4.ttft_p95_ms", "rag_query|cache=miss.ttft_ms" (memload.names.breakdown_scope).
BREAKDOWNS: tuple[str, ...] = ("model", "cache")

# Capacity figures (a steps run, or `memload capacity`): the highest throughput that met every SLO
# and where it was measured, the highest steady throughput, the knee, and the Universal Scalability
# Law fit (sigma: contention, kappa: coherency, lambda: throughput of one user, its R² and peak).
CAPACITY_METRICS: tuple[str, ...] = (
    "max_rps_at_slo",
    "users_at_slo",
    "saturation_rps",
    "knee_users",
    "usl_sigma",
    "usl_kappa",
    "usl_lambda",
    "usl_r2",
    "usl_peak_users",
    "usl_peak_rps",
)


# Soak figures (a long run, or `memload soak`): the slopes of the target's and the harness's
# resources (also as target.rss_slope_mb_per_h …), the hours until the target's RSS would reach the
# limit at its slope, latency drift between the first and last window, and error bursts.
SOAK_METRICS: tuple[str, ...] = (
    "target_rss_slope_mb_per_h",
    "target_num_fds_slope_per_h",
    "target_threads_slope_per_h",
    "loadgen_rss_slope_mb_per_h",
    "hours_to_rss_limit",
    "p95_drift_pct",
    "error_bursts",
    "leaks",
)


def metrics_for_scope(scope: str) -> tuple[str, ...]:
    """The metric names that exist for one scope (empty for an unknown scope)."""
    if scope in PROCESS_SCOPES:
        extra = TARGET_ONLY_METRICS if scope == "target" else ()
        return PROCESS_METRICS + extra
    if scope.startswith(SERIES_SCOPE_PREFIX):
        return SERIES_METRICS
    if scope == "capacity":
        return CAPACITY_METRICS
    if scope == "soak":
        return SOAK_METRICS
    if scope == "checks" or scope.startswith("checks."):  # correctness under load (memload.checks.spec)
        return check_metrics(scope)
    operation, separator, breakdown = scope.partition(BREAKDOWN_SEPARATOR)
    if separator:  # "llm_chat|model=gpt-4": the LLM figures of one model, or of cache hits
        kind, equals, value = breakdown.partition("=")
        known = operation in LLM_SCOPES and operation != "total" and kind in BREAKDOWNS
        return LLM_METRICS if known and equals and value else ()
    if scope not in SCOPES:
        return ()
    return (
        REQUEST_METRICS
        + (LLM_METRICS if scope in LLM_SCOPES else ())
        + (EMBED_METRICS if scope == "embed" else ())
    )


def split_address(address: str) -> tuple[str, str]:
    """(scope, metric): the metric is after the last dot (a model's name may hold dots)."""
    scope, _, metric = address.rpartition(".")
    return scope, metric


def is_known_figure(address: str) -> bool:
    """True when ``address`` (``scope.metric``) names a figure memload reports."""
    scope, metric = split_address(address)
    return metric in metrics_for_scope(scope)
