"""The ``[checks]`` table of a scenario and the figures checks report. Pure: no Locust.

```toml
[checks]
enabled = ["search_hit", "rw_lag", "isolation", "audit"]   # or "all"
search_share = 0.2        # share of searches that ask for the exact text of one of the user's memories
hit_k = 10                # k of hit@k (default: [data] top_k)
rw_sample = 0.1           # share of acknowledged creates polled until visible
rw_max_rate = 10          # creates polled per second per Locust process, at most (bounds the polls' cost)
rw_poll_interval = "50ms" # between polls of one create
rw_limit = "10s"          # never visible within this: counted as never visible
isolation_fails_run = true
audit_sample = 1.0        # share of acknowledged writes read back after the load
audit_rate = 200          # reads per second of the audit
audit_max = 20000         # at most this many reads (the share is lowered to fit: a long run's is bounded)
audit_fails_run = true    # a lost write or a resurrected delete fails the run
```
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the scenario package imports this module: no import of it at run time
    from memload.scenario.tables import TableReader

CHECKS: tuple[str, ...] = ("search_hit", "rw_lag", "isolation", "audit")
# what each check needs the adapter's operations to do
NEEDS: dict[str, tuple[str, ...]] = {
    "search_hit": ("create_memory", "search"),
    "rw_lag": ("create_memory", "get_memory", "search"),
    "isolation": (),
    "audit": ("create_memory", "get_memory"),
}
KEYS = (
    "enabled",
    "search_share",
    "hit_k",
    "rw_sample",
    "rw_poll_interval",
    "rw_limit",
    "rw_max_pollers",
    "rw_max_rate",
    "isolation_fails_run",
    "isolation_examples",
    "audit_sample",
    "audit_rate",
    "audit_max",
    "audit_fails_run",
)
DEFAULTS: dict[str, Any] = {
    "enabled": [],
    "search_share": 0.2,
    "hit_k": None,
    "rw_sample": 0.1,
    "rw_poll_interval_s": 0.05,
    "rw_limit_s": 10.0,
    "rw_max_pollers": 200,
    "rw_max_rate": 10.0,
    "isolation_fails_run": True,
    "isolation_examples": 20,
    "audit_sample": 1.0,
    "audit_rate": 200.0,
    "audit_max": 20_000,
    "audit_fails_run": True,
}

# Counters of checks_counts.csv (memload.names); isolation ones per operation: "isolation_checked:search"
CK_SEARCH_CHECKED = "search_checked"  # self-retrieval searches answered
CK_SEARCH_HIT_1 = "search_hit_1"
CK_SEARCH_HIT_K = "search_hit_k"
CK_SEARCH_RR = "search_rr_micro"  # sum of 1/rank (0 for a miss) in millionths
CK_ISOLATION_CHECKED = "isolation_checked"
CK_ISOLATION_VIOLATIONS = "isolation_violations"
CK_RW_SAMPLED = "rw_sampled"  # creates polled until visible
CK_RW_VISIBLE = "rw_visible"
CK_RW_NEVER = "rw_never_visible"  # not visible within rw_limit
CK_RW_SKIPPED = "rw_skipped"  # sampled, but rw_max_pollers were busy
CK_RW_OVER_RATE = "rw_over_rate"  # sampled, but rw_max_rate creates were already polled in that second
# histograms of checks_histograms.csv: from a create's answer to the first poll that found it
CK_RW_LAG = "rw_lag_ms"  # by get and by search
CK_RW_GET_LAG = "rw_get_lag_ms"  # by get


def per_operation(counter: str, operation: str) -> str:
    return f"{counter}:{operation}"


# Figures, by scope (thresholds name them as "<scope>.<metric>": "checks.search.hit_at_k").
ISOLATED_OPERATIONS: tuple[str, ...] = ("search", "list_memories", "get_memory")
CHECK_SCOPES: tuple[str, ...] = ("checks", *(f"checks.{op}" for op in ISOLATED_OPERATIONS))
SEARCH_METRICS: tuple[str, ...] = ("hit_at_1", "hit_at_k", "mrr", "checked")
ISOLATION_METRICS: tuple[str, ...] = ("isolation_checked", "isolation_violations")
CHECK_METRICS: tuple[str, ...] = (
    "rw_lag_p50_ms",
    "rw_lag_p95_ms",
    "rw_lag_p99_ms",
    "rw_lag_max_ms",
    "rw_get_lag_p95_ms",
    "rw_sampled",
    "rw_never_visible",
    "rw_never_visible_share",
    "isolation_checked",
    "isolation_violations",
    "isolation_violation_rate",
    "audited",
    "lost_writes",
    "lost_write_rate",
    "resurrected_deletes",
    "audit_errors",
    "audit_s",
    "failed",  # 1 when a check fails the run (an isolation violation, a lost write, a resurrected delete)
)


def check_metrics(scope: str) -> tuple[str, ...]:
    """The figures of a ``checks`` scope (empty for another scope)."""
    if scope == "checks":
        return CHECK_METRICS
    operation = scope.removeprefix("checks.")
    if scope.startswith("checks.") and operation in ISOLATED_OPERATIONS:
        return ISOLATION_METRICS + (SEARCH_METRICS if operation == "search" else ())
    return ()


def parse_checks(reader: TableReader, *, target: str, base_dir: Path) -> dict[str, Any]:
    """The ``[checks]`` table, defaults filled in; every check named must be one the target's adapter
    supports (``Adapter.checks``). An empty dict: no checks."""
    reader.keys_checked(KEYS)
    if not reader.raw:
        return {}
    enabled = _enabled(reader)
    supported = _supported(target, base_dir)
    if supported is not None:
        unsupported = [name for name in enabled if name not in supported]
        if unsupported:
            raise reader.error(
                "enabled",
                f"target {target!r} cannot check {', '.join(unsupported)}; "
                f"it supports: {', '.join(sorted(supported)) or 'no check'}",
            )
    d = DEFAULTS
    options = {
        "enabled": enabled,
        "search_share": _share(reader, "search_share", d["search_share"]),
        "hit_k": reader.int("hit_k", default=None, minimum=1, maximum=100) if "hit_k" in reader.raw else None,
        "rw_sample": _share(reader, "rw_sample", d["rw_sample"]),
        "rw_poll_interval_s": reader.duration("rw_poll_interval", default=d["rw_poll_interval_s"]),
        "rw_limit_s": reader.duration("rw_limit", default=d["rw_limit_s"]),
        "rw_max_pollers": reader.int("rw_max_pollers", default=d["rw_max_pollers"], minimum=1),
        "rw_max_rate": float(reader.number("rw_max_rate", default=d["rw_max_rate"], minimum=0.1)),
        "isolation_fails_run": reader.bool("isolation_fails_run", default=d["isolation_fails_run"]),
        "isolation_examples": reader.int("isolation_examples", default=d["isolation_examples"], minimum=0),
        "audit_sample": _share(reader, "audit_sample", d["audit_sample"]),
        "audit_rate": reader.number("audit_rate", default=d["audit_rate"], minimum=0.1),
        "audit_max": reader.int("audit_max", default=d["audit_max"], minimum=1),
        "audit_fails_run": reader.bool("audit_fails_run", default=d["audit_fails_run"]),
    }
    if options["rw_poll_interval_s"] <= 0 or options["rw_limit_s"] < options["rw_poll_interval_s"]:
        raise reader.error("rw_limit", "needs 0 < rw_poll_interval <= rw_limit")
    return options


def _enabled(reader: TableReader) -> list[str]:
    raw = reader.raw.get("enabled", [])
    if raw == "all":
        return list(CHECKS)
    if not isinstance(raw, list) or not all(isinstance(name, str) for name in raw):
        raise reader.error("enabled", f'must be "all" or a list of check names: {", ".join(CHECKS)}')
    unknown = [name for name in raw if name not in CHECKS]
    if unknown:
        raise reader.error("enabled", f"unknown check {unknown[0]!r}; allowed: {', '.join(CHECKS)}")
    return list(dict.fromkeys(raw))


def _share(reader: TableReader, key: str, default: float) -> float:
    value = float(reader.number(key, default=default, minimum=0.0))
    if value > 1:
        raise reader.error(key, f"is a share between 0 and 1, got {value:g}")
    return value


def _supported(target: str, base_dir: Path) -> frozenset[str] | None:
    """The checks the target's adapter declares (None when the target itself is wrong: the
    scenario's consistency check says so with its own message)."""
    from memload.adapters.registry import load_adapter_class

    try:
        adapter = load_adapter_class(target, base_dir=base_dir)
    except ValueError:
        return None
    declared = frozenset(getattr(adapter, "checks", frozenset()))
    operations = adapter.operations
    return frozenset(c for c in declared if all(op in operations for op in NEEDS.get(c, ())))
