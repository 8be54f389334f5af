"""The load shape and pacing tables of a scenario: plain data, turned into a Locust
LoadTestShape and wait_time by memload.loadgen.shapes."""

from __future__ import annotations

from dataclasses import dataclass, replace

from memload.scenario.tables import TableReader

SHAPES = ("constant", "ramp", "steps", "spike")
SHAPE_KEYS = {
    "constant": ("shape", "users", "spawn_rate", "duration"),
    "ramp": ("shape", "start_users", "users", "spawn_rate", "duration", "stop_error_rate"),
    "steps": ("shape", "steps", "step_duration", "spawn_rate", "duration"),
    "spike": ("shape", "users", "spike_users", "spike_at", "spike_duration", "spawn_rate", "duration"),
}
WAITS = ("none", "between", "constant", "constant_throughput")
WAIT_KEYS = {
    "none": ("wait",),
    "between": ("wait", "min_s", "max_s"),
    "constant": ("wait", "seconds"),
    "constant_throughput": ("wait", "rate_per_s"),
}


@dataclass(frozen=True, kw_only=True)
class LoadShape:
    """``users`` is the steady (constant), final (ramp) or base (spike) user count."""

    shape: str
    users: int
    spawn_rate: float
    duration_s: float
    start_users: int = 0  # ramp
    stop_error_rate: float | None = None  # ramp: stop once the error rate passes this fraction
    steps: tuple[int, ...] = ()  # steps: user count of each step
    step_duration_s: float = 0.0
    spike_users: int = 0  # spike
    spike_at_s: float = 0.0
    spike_duration_s: float = 0.0

    @property
    def peak_users(self) -> int:
        return max(self.users, self.spike_users, max(self.steps, default=0))

    def with_overrides(
        self, *, users: int | None, spawn_rate: float | None, duration_s: float | None
    ) -> LoadShape:
        changed = self
        if users is not None:
            changed = replace(changed, users=users, steps=_scale_steps(self.steps, users))
        if spawn_rate is not None:
            changed = replace(changed, spawn_rate=spawn_rate)
        if duration_s is not None:
            changed = replace(changed, duration_s=duration_s)
        return changed


def users_at(load: LoadShape, run_time_s: float) -> int | None:
    """How many users the shape wants ``run_time_s`` into the run; None once it is over."""
    if run_time_s >= load.duration_s:
        return None
    if load.shape == "ramp":
        share = run_time_s / load.duration_s
        return max(1, round(load.start_users + (load.users - load.start_users) * share))
    if load.shape == "steps":
        index = int(run_time_s // load.step_duration_s) if load.step_duration_s > 0 else 0
        if index >= len(load.steps):
            return None
        return load.steps[index]
    if load.shape == "spike":
        in_spike = load.spike_at_s <= run_time_s < load.spike_at_s + load.spike_duration_s
        return load.spike_users if in_spike else load.users
    return load.users


def _scale_steps(steps: tuple[int, ...], peak: int) -> tuple[int, ...]:
    """``--users`` on a steps shape sets the last step and scales the others in proportion."""
    if not steps or max(steps) == 0:
        return steps
    return tuple(max(1, round(s * peak / max(steps))) for s in steps)


@dataclass(frozen=True, kw_only=True)
class Pacing:
    """How long a simulated user waits between tasks (Locust's wait_time)."""

    wait: str = "none"
    min_s: float = 0.0
    max_s: float = 0.0
    seconds: float = 0.0
    rate_per_s: float = 0.0


def parse_load(reader: TableReader) -> LoadShape:
    shape = reader.str("shape", default="constant", choices=SHAPES)
    reader.keys_checked(SHAPE_KEYS[shape])
    spawn_rate = reader.number("spawn_rate", default=10.0, minimum=0.001)
    if shape == "steps":
        steps = tuple(reader.int_list("steps", minimum=0))
        step_s = reader.duration("step_duration")
        duration_s = reader.duration("duration", default=step_s * len(steps))
        return LoadShape(
            shape=shape,
            users=steps[-1],
            spawn_rate=spawn_rate,
            duration_s=duration_s,
            steps=steps,
            step_duration_s=step_s,
        )
    users = reader.int("users", minimum=1)
    duration_s = reader.duration("duration")
    if duration_s <= 0:
        raise reader.error("duration", "must be longer than 0 s")
    if shape == "ramp":
        stop = reader.raw.get("stop_error_rate")
        return LoadShape(
            shape=shape,
            users=users,
            spawn_rate=spawn_rate,
            duration_s=duration_s,
            start_users=reader.int("start_users", default=0, minimum=0),
            stop_error_rate=None if stop is None else reader.number("stop_error_rate", minimum=0.0),
        )
    if shape == "spike":
        return _parse_spike(reader, users=users, spawn_rate=spawn_rate, duration_s=duration_s)
    return LoadShape(shape=shape, users=users, spawn_rate=spawn_rate, duration_s=duration_s)


def _parse_spike(reader: TableReader, *, users: int, spawn_rate: float, duration_s: float) -> LoadShape:
    spike_at_s = reader.duration("spike_at")
    spike_duration_s = reader.duration("spike_duration")
    if spike_at_s + spike_duration_s > duration_s:
        raise reader.error(
            "spike_at", "the spike must end before the run does (spike_at + spike_duration ≤ duration)"
        )
    return LoadShape(
        shape="spike",
        users=users,
        spawn_rate=spawn_rate,
        duration_s=duration_s,
        spike_users=reader.int("spike_users", minimum=users),
        spike_at_s=spike_at_s,
        spike_duration_s=spike_duration_s,
    )


def parse_pacing(reader: TableReader) -> Pacing:
    wait = reader.str("wait", default="none", choices=WAITS)
    reader.keys_checked(WAIT_KEYS[wait])
    if wait == "between":
        low, high = reader.number("min_s", minimum=0.0), reader.number("max_s", minimum=0.0)
        if high < low:
            raise reader.error("max_s", f"must be at least min_s ({low:g}), got {high:g}")
        return Pacing(wait=wait, min_s=low, max_s=high)
    if wait == "constant":
        return Pacing(wait=wait, seconds=reader.number("seconds", minimum=0.0))
    if wait == "constant_throughput":
        return Pacing(wait=wait, rate_per_s=reader.number("rate_per_s", minimum=0.001))
    return Pacing(wait=wait)


DISTRIBUTIONS = ("constant", "poisson", "gamma")
ARRIVAL_KEYS = (
    "rate",
    "distribution",
    "burstiness",
    "max_concurrency",
    "tenants",
    "steps",
    "step_duration",
    "duration",
)


@dataclass(frozen=True, kw_only=True)
class Arrival:
    """Open model: requests start at scheduled times whatever the target does.

    ``rate`` (requests/s, all workers together) or ``steps`` (a rate per step of
    ``step_duration_s``); inter-arrival times are constant, exponential (poisson) or gamma with
    shape ``burstiness`` (1 = poisson, < 1 burstier, > 1 smoother). At most ``max_concurrency``
    requests are in flight per process; an arrival beyond that is dropped and counted.
    """

    rate: float
    distribution: str = "poisson"
    burstiness: float = 1.0
    max_concurrency: int = 500
    tenants: int = 100
    steps: tuple[float, ...] = ()
    step_duration_s: float = 0.0

    def rate_at(self, run_time_s: float) -> float:
        if self.steps:
            index = min(int(run_time_s // self.step_duration_s), len(self.steps) - 1)
            return self.steps[index]
        return self.rate


def parse_arrival(reader: TableReader) -> tuple[Arrival, float]:
    """The [arrival] table and the run's duration in seconds."""
    reader.keys_checked(ARRIVAL_KEYS)
    distribution = reader.str("distribution", default="poisson", choices=DISTRIBUTIONS)
    burstiness = reader.number("burstiness", default=1.0, minimum=0.01)
    if "burstiness" in reader.raw and distribution != "gamma":
        raise reader.error("burstiness", 'only applies to distribution = "gamma"')
    common = dict(
        distribution=distribution,
        burstiness=burstiness,
        max_concurrency=reader.int("max_concurrency", default=500, minimum=1),
        tenants=reader.int("tenants", default=100, minimum=1),
    )
    if "steps" in reader.raw:
        if "rate" in reader.raw:
            raise reader.error("rate", "give either rate or steps, not both")
        steps = reader.raw["steps"]
        if (
            not isinstance(steps, list)
            or not steps
            or not all(isinstance(s, (int, float)) and not isinstance(s, bool) and s > 0 for s in steps)
        ):
            raise reader.error("steps", f"must be a non-empty list of rates > 0, got {steps!r}")
        step_s = reader.duration("step_duration")
        if step_s <= 0:
            raise reader.error("step_duration", "must be longer than 0 s")
        duration_s = reader.duration("duration", default=step_s * len(steps))
        return Arrival(
            rate=float(max(steps)), steps=tuple(float(s) for s in steps), step_duration_s=step_s, **common
        ), duration_s
    rate = reader.number("rate", minimum=0.001)
    duration_s = reader.duration("duration")
    if duration_s <= 0:
        raise reader.error("duration", "must be longer than 0 s")
    return Arrival(rate=rate, **common), duration_s
