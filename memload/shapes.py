"""A scenario's load shape as a Locust LoadTestShape: the shape is data, this is its clock."""
from __future__ import annotations

from locust import LoadTestShape

from memload.scenario_load import LoadShape

MIN_REQUESTS_BEFORE_ERROR_STOP = 100


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


def build_shape_class(load: LoadShape) -> type[LoadTestShape]:
    """A LoadTestShape subclass that follows ``load`` (and, for ramps, stops on errors)."""

    def tick(self: LoadTestShape) -> tuple[int, float] | None:
        users = users_at(load, self.get_run_time())
        if users is None or _error_stop(self, load):
            return None
        return users, load.spawn_rate

    return type("ScenarioShape", (LoadTestShape,), {"tick": tick, "__doc__": f"{load.shape} load shape"})


def _error_stop(shape: LoadTestShape, load: LoadShape) -> bool:
    if load.stop_error_rate is None or shape.runner is None:
        return False
    total = shape.runner.stats.total
    return total.num_requests >= MIN_REQUESTS_BEFORE_ERROR_STOP and total.fail_ratio > load.stop_error_rate
