"""How figures read in the reports: units from the metric name."""

from __future__ import annotations

import math

NA = "n/a"


def unit_of(metric: str) -> str:
    if metric.endswith("_mb_per_h"):
        return "MB/h"
    if metric.endswith("_per_h"):
        return "/h"
    if metric.endswith("_ms"):
        return "ms"
    if metric.endswith("_mb"):
        return "MB"
    if metric.startswith("cpu_pct"):
        return "%"
    if metric.endswith("rps") or metric.endswith("_per_s"):
        return "/s"
    return ""


def format_value(address: str, value: float | None) -> str:
    """``12.3 ms``, ``0.120 % (0.0012)``, ``1,234``; ``n/a`` for no value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NA
    metric = address.rpartition(".")[2]
    if metric in ("error_rate", "cache_hit_rate"):
        return "0 %" if value == 0 else f"{value * 100:.3g} % ({value:.4g})"
    if metric in ("requests", "failures", "num_fds", "threads", "dropped", "output_tokens"):
        return f"{value:,.0f}"
    unit = unit_of(metric)
    if unit == "ms" and abs(value) >= 100:  # times carry 3 significant digits: 1,304 ms, not 1,303.6 ms
        return f"{value:,.0f} ms"
    number = f"{value:,.1f}" if abs(value) >= 100 else f"{value:.3g}"
    return f"{number} {unit}".strip() if unit not in ("/s", "/h") else f"{number}{unit}"
