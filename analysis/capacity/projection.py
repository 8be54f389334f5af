"""How many instances a target load needs, from the capacity of one instance measured at the SLO:

    instances = ceil(target / (capacity × (1 − headroom)))

Each instance is planned at (1 − headroom) of its measured capacity, the rest kept for bursts and
run-to-run variance. The ratio is rounded to 9 decimals before the ceiling, so that floating point
(1000 × 0.7 = 700.0000000000001) does not add an instance for a target that fits exactly.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

DEFAULT_HEADROOM = 0.30


@dataclass(frozen=True)
class Projection:
    instances: int
    target: float
    capacity_per_instance: float  # measured at the SLO
    headroom: float
    unit: str  # "req/s" or "users"
    assumptions: tuple[str, ...]


def assumptions(unit: str, headroom: float) -> tuple[str, ...]:
    """What the projection takes for granted, in words, for the report."""
    return (
        f"capacity scales linearly across instances: n instances hold n times the {unit} of one",
        "shared dependencies (a database, a vector store, an LLM provider) are not modelled: "
        "they must hold the total load on their own",
        f"the capacity per instance is the one measured at the SLO ({unit}), "
        "not a projection of the scalability model",
        f"each instance is planned at {_percent(1 - headroom)} of that capacity "
        f"({_percent(headroom)} headroom for bursts and variance)",
    )


def _percent(fraction: float) -> str:
    return f"{round(fraction * 100, 1):g} %"


def instances_for_rps(
    target_rps: float, capacity_rps_at_slo: float, headroom: float = DEFAULT_HEADROOM
) -> Projection:
    """Instances needed to serve ``target_rps`` requests/s."""
    return _project(target_rps, capacity_rps_at_slo, headroom, "req/s", ("target_rps", "capacity_rps_at_slo"))


def instances_for_users(
    target_users: float, capacity_users_at_slo: float, headroom: float = DEFAULT_HEADROOM
) -> Projection:
    """Instances needed to serve ``target_users`` concurrent users."""
    return _project(
        target_users, capacity_users_at_slo, headroom, "users", ("target_users", "capacity_users_at_slo")
    )


def _project(
    target: float, capacity: float, headroom: float, unit: str, names: tuple[str, str]
) -> Projection:
    for name, value in zip(names, (target, capacity)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise ValueError(f"{name} must be a finite number, got {value!r}")
        if value <= 0:
            raise ValueError(f"{name} must be positive, got {value!r}")
    if isinstance(headroom, bool) or not isinstance(headroom, numbers.Real) or not 0 <= headroom < 1:
        raise ValueError(f"headroom must be a fraction with 0 <= headroom < 1, got {headroom!r}")
    ratio = target / (capacity * (1.0 - headroom))
    return Projection(
        instances=max(1, math.ceil(round(ratio, 9))),
        target=float(target),
        capacity_per_instance=float(capacity),
        headroom=float(headroom),
        unit=unit,
        assumptions=assumptions(unit, headroom),
    )
