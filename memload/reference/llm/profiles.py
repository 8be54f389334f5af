"""Simulated LLM latency: per-model profiles and a seeded sampler.

End-to-end latency (``e2e``) is drawn by inverse transform: a standard normal ``z`` goes through
a monotone curve that is linear in ``log(latency)`` between the profile's quantile points
(z=0 -> p50, z=1.645 -> p95, z=2.326 -> p99) and extended with the nearest segment's slope
beyond them. Because the map is monotone, the sampled p50/p95/p99 equal the configured ones.

A streamed answer sends its first content token after ``ttft = ttft_share * e2e`` (so the
configured TTFT quantiles are ``ttft_share`` times the e2e quantiles), then spreads the other
``n - 1`` tokens evenly so the last one arrives at ``e2e``:
``tpot = (e2e - ttft) / (n - 1)``. The output length ``n`` is uniform in the profile's
``[output_tokens_min, output_tokens_max]``, capped by the request's ``max_tokens``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import overload

import numpy as np

Z_P50 = 0.0
Z_P95 = NormalDist().inv_cdf(0.95)
Z_P99 = NormalDist().inv_cdf(0.99)


@dataclass(frozen=True, kw_only=True)
class LatencyProfile:
    """Latency of one simulated model; ``kind`` is "chat", "embedding" or "any"."""

    name: str
    kind: str
    e2e_p50_s: float
    e2e_p95_s: float
    e2e_p99_s: float
    ttft_share: float = 0.25
    output_tokens_min: int = 32
    output_tokens_max: int = 64

    def __post_init__(self) -> None:
        if not 0 < self.e2e_p50_s < self.e2e_p95_s < self.e2e_p99_s:
            raise ValueError(f"profile {self.name}: need 0 < p50 < p95 < p99")
        if not 0 < self.ttft_share <= 1:
            raise ValueError(f"profile {self.name}: ttft_share must be in (0, 1]")

    def serves(self, kind: str) -> bool:
        return self.kind in (kind, "any")


PROFILES: dict[str, LatencyProfile] = {
    p.name: p
    for p in (
        LatencyProfile(name="gpt-4", kind="chat", e2e_p50_s=1.8, e2e_p95_s=2.5, e2e_p99_s=3.2),
        LatencyProfile(name="gpt-3.5-turbo", kind="chat", e2e_p50_s=0.6, e2e_p95_s=0.9, e2e_p99_s=1.3),
        LatencyProfile(name="claude-3-sonnet", kind="chat", e2e_p50_s=1.2, e2e_p95_s=1.8, e2e_p99_s=2.4),
        LatencyProfile(
            name="text-embedding-ada-002", kind="embedding", e2e_p50_s=0.15, e2e_p95_s=0.25, e2e_p99_s=0.35
        ),
        LatencyProfile(
            name="fast",
            kind="any",
            e2e_p50_s=0.002,
            e2e_p95_s=0.004,
            e2e_p99_s=0.006,
            output_tokens_min=16,
            output_tokens_max=32,
        ),
    )
}
DEFAULT_MODEL = "fast"


def e2e_from_z(profile: LatencyProfile, z: np.ndarray | float) -> np.ndarray:
    """Map standard-normal draws to e2e seconds through the profile's quantile curve."""
    z = np.asarray(z, dtype=np.float64)
    log50, log95, log99 = (math.log(v) for v in (profile.e2e_p50_s, profile.e2e_p95_s, profile.e2e_p99_s))
    low_slope = (log95 - log50) / (Z_P95 - Z_P50)
    high_slope = (log99 - log95) / (Z_P99 - Z_P95)
    log_latency = np.where(z <= Z_P95, log50 + low_slope * (z - Z_P50), log95 + high_slope * (z - Z_P95))
    return np.exp(log_latency)


def configured_quantiles_s(profile: LatencyProfile) -> dict[str, dict[str, float]]:
    """The p50/p95/p99 that ``e2e`` and ``ttft`` are drawn to match, in seconds."""
    e2e = {"p50": profile.e2e_p50_s, "p95": profile.e2e_p95_s, "p99": profile.e2e_p99_s}
    return {"e2e": e2e, "ttft": {q: v * profile.ttft_share for q, v in e2e.items()}}


def output_token_range(profile: LatencyProfile, max_tokens: int | None = None) -> tuple[int, int]:
    """Inclusive bounds of the output length for a request with ``max_tokens``."""
    cap = profile.output_tokens_max if max_tokens is None else max(1, max_tokens)
    return min(profile.output_tokens_min, cap), min(profile.output_tokens_max, cap)


def ttft_s(profile: LatencyProfile, e2e_s: float) -> float:
    """Time to the first content token of a stream whose total is ``e2e_s``."""
    return profile.ttft_share * e2e_s


def tpot_s(*, e2e_s: float, ttft_s: float, output_tokens: int) -> float:
    """Time per output token after the first; 0 for a one-token answer."""
    return 0.0 if output_tokens <= 1 else (e2e_s - ttft_s) / (output_tokens - 1)


def token_offsets_s(*, e2e_s: float, ttft_s: float, output_tokens: int) -> list[float]:
    """When each content token is sent, in seconds after the request started."""
    step = tpot_s(e2e_s=e2e_s, ttft_s=ttft_s, output_tokens=output_tokens)
    return [ttft_s + i * step for i in range(output_tokens)]


@dataclass(frozen=True, kw_only=True)
class StreamPlan:
    """The timing of one simulated answer."""

    e2e_s: float
    ttft_s: float
    output_tokens: int

    @property
    def tpot_s(self) -> float:
        return tpot_s(e2e_s=self.e2e_s, ttft_s=self.ttft_s, output_tokens=self.output_tokens)

    @property
    def token_offsets_s(self) -> list[float]:
        return token_offsets_s(e2e_s=self.e2e_s, ttft_s=self.ttft_s, output_tokens=self.output_tokens)


class LatencySampler:
    """Draws e2e latencies and output lengths from one seeded generator."""

    def __init__(self, *, seed: int) -> None:
        self._rng = np.random.default_rng(seed)

    @overload
    def sample_e2e_s(self, profile: LatencyProfile, size: None = None) -> float: ...

    @overload
    def sample_e2e_s(self, profile: LatencyProfile, size: int) -> np.ndarray: ...

    def sample_e2e_s(self, profile: LatencyProfile, size: int | None = None) -> np.ndarray | float:
        draws = e2e_from_z(profile, self._rng.standard_normal(size))
        return float(draws) if size is None else draws

    def sample_output_tokens(self, profile: LatencyProfile, max_tokens: int | None = None) -> int:
        low, high = output_token_range(profile, max_tokens)
        return int(self._rng.integers(low, high + 1))

    def plan(self, profile: LatencyProfile, *, max_tokens: int | None = None) -> StreamPlan:
        e2e = self.sample_e2e_s(profile)
        return StreamPlan(
            e2e_s=e2e,
            ttft_s=ttft_s(profile, e2e),
            output_tokens=self.sample_output_tokens(profile, max_tokens),
        )
