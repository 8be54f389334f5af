"""A scenario's ``[compare]`` table: how `memload compare` (and `memload run --baseline`) judge a
candidate run against a baseline run (issue 15).

```toml
[compare]
max_regression_pct = 5         # a real regression beyond 5 % fails (exit 1); default 0
min_improvement_pct = 0        # a real improvement smaller than this is reported as ~
"llm_chat.p95_ms" = { min_improvement_pct = 20 }   # per figure: "<scope>.<figure>" ...
"p99_ms" = { max_regression_pct = 10 }             # ... or a figure of every scope
run_noise_pct = 10             # how much runs of identical settings differ (default: per figure,
"p95_ms" = { run_noise_pct = 8 }                   # measured; `memload compare --calibrate`)
```

The figures compared are ``COMPARE_FIGURES``; a scope is an operation, ``total`` or ``target``.
"""

from __future__ import annotations

from typing import Any

from memload.scenario.figures import OPERATIONS
from memload.scenario.tables import TableReader

LIMIT_KEYS = ("max_regression_pct", "min_improvement_pct", "run_noise_pct")
# every figure a comparison reports: request figures (every operation and total), LLM streaming
# figures (llm_chat, rag_query, total), the target's process figures (target)
REQUEST_FIGURES = ("rps", "p50_ms", "p95_ms", "p99_ms", "error_rate")
LLM_FIGURES = ("ttft_p50_ms", "ttft_p95_ms", "tpot_p50_ms", "tpot_p95_ms")
PROCESS_FIGURES = ("cpu_per_req_ms", "rss_mb")
COMPARE_FIGURES = (*REQUEST_FIGURES, *LLM_FIGURES, *PROCESS_FIGURES)
COMPARE_SCOPES = (*OPERATIONS, "total", "target")


def check_limit_address(address: str) -> str | None:
    """Why ``address`` names no compared figure (None when it does): ``scope.figure`` or ``figure``."""
    scope, dot, figure = address.rpartition(".")
    if figure not in COMPARE_FIGURES:
        return f"unknown figure {figure!r}; compared figures: {', '.join(COMPARE_FIGURES)}"
    if dot and scope not in COMPARE_SCOPES:
        return f"unknown scope {scope!r}; scopes: {', '.join(COMPARE_SCOPES)}"
    return None


def check_pct(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < float("inf"):
        return f"must be a number of percent >= 0, got {value!r}"
    return None


def parse_compare(reader: TableReader) -> dict[str, Any]:
    """The table as given (numbers as floats), checked: the two limits, and per-figure tables."""
    options: dict[str, Any] = {}
    for key, value in reader.raw.items():
        if key in LIMIT_KEYS:
            problem = check_pct(value)
            if problem:
                raise reader.error(key, problem)
            options[key] = float(value)
            continue
        problem = check_limit_address(key)
        if problem:
            raise reader.error(key, f"{problem} (or one of {', '.join(LIMIT_KEYS)})")
        if not isinstance(value, dict) or not value:
            raise reader.error(key, f"must be a table like {{ {LIMIT_KEYS[0]} = 10 }}")
        limits = {}
        for name, pct in value.items():
            if name not in LIMIT_KEYS:
                raise reader.error(f"{key}.{name}", f"unknown key; allowed: {', '.join(LIMIT_KEYS)}")
            problem = check_pct(pct)
            if problem:
                raise reader.error(f"{key}.{name}", problem)
            limits[name] = float(pct)
        options[key] = limits
    return options
