"""Arrival schedules of the open model: when each request is due, independent of Locust."""

from __future__ import annotations

import random
from collections.abc import Iterator

from memload.scenario.load import Arrival


def interarrival_s(arrival: Arrival, rate_per_s: float, rng: random.Random) -> float:
    """One gap between arrivals at ``rate_per_s``, drawn from the scenario's distribution."""
    if arrival.distribution == "constant":
        return 1.0 / rate_per_s
    if arrival.distribution == "gamma":
        shape = arrival.burstiness
        return rng.gammavariate(shape, 1.0 / (rate_per_s * shape))
    return rng.expovariate(rate_per_s)


def schedule_s(arrival: Arrival, *, duration_s: float, processes: int, rng: random.Random) -> Iterator[float]:
    """Scheduled start times (seconds from the start) of this process's share of the arrivals."""
    now_s = 0.0
    while True:
        rate = arrival.rate_at(now_s) / processes
        now_s += interarrival_s(arrival, rate, rng)
        if now_s >= duration_s:
            return
        yield now_s
