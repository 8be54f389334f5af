"""A scenario's load shape as a Locust LoadTestShape: the shape is data, this is its clock.

When the shape ends it does not stop Locust at once: it asks for 0 users and waits until every
user has finished its request in flight and the last worker report has been counted (Locust's
quit would otherwise drop requests that complete after it, and its CSVs lack the last second).
"""

from __future__ import annotations

from locust import LoadTestShape
from locust.runners import MasterRunner

from memload.scenario.load import LoadShape, users_at

MIN_REQUESTS_BEFORE_ERROR_STOP = 100
SETTLE_LOCAL_S = 1.5  # one more CSV write (every 1 s)
SETTLE_DISTRIBUTED_S = 4.5  # one more worker report (every 3 s) and CSV write
MAX_DRAIN_S = 30.0


class DrainingShape(LoadTestShape):
    """Base: subclasses give ``users_now``; this handles the error stop and the drain at the end."""

    abstract = True
    load: LoadShape
    drain_started_s: float | None = None
    idle_since_s: float | None = None

    def users_now(self, run_time_s: float) -> int | None:
        return users_at(self.load, run_time_s)

    def tick(self) -> tuple[int, float] | None:
        run_time_s = self.get_run_time()
        users = None if self.drain_started_s is not None else self.users_now(run_time_s)
        if users is not None and not self._error_stop():
            return users, self.load.spawn_rate
        return self._drain(run_time_s)

    def _drain(self, run_time_s: float) -> tuple[int, float] | None:
        if self.drain_started_s is None:
            self.drain_started_s = run_time_s
        runner = self.runner
        if runner is None or run_time_s - self.drain_started_s > MAX_DRAIN_S:
            return None
        if runner.user_count == 0:
            if self.idle_since_s is None:
                self.idle_since_s = run_time_s
            settle = SETTLE_DISTRIBUTED_S if isinstance(runner, MasterRunner) else SETTLE_LOCAL_S
            if run_time_s - self.idle_since_s >= settle:
                return None
        return 0, max(self.load.spawn_rate, 1000.0)

    def _error_stop(self) -> bool:
        if self.load.stop_error_rate is None or self.runner is None:
            return False
        total = self.runner.stats.total
        return (
            total.num_requests >= MIN_REQUESTS_BEFORE_ERROR_STOP
            and total.fail_ratio > self.load.stop_error_rate
        )


def build_shape_class(load: LoadShape) -> type[LoadTestShape]:
    """A LoadTestShape subclass that follows ``load``."""
    return type(
        "ScenarioShape",
        (DrainingShape,),
        {"load": load, "abstract": False, "__doc__": f"{load.shape} load shape"},
    )
