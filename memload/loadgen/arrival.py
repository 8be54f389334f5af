"""The open model: requests arrive on a schedule (constant, poisson or gamma inter-arrival times)
and start at their scheduled time however slow the target is, so a slow target cannot slow the
load down and hide its own slowness (coordinated omission).

Each Locust process runs one scheduler user that owns its share of the rate (rate / processes).
Every arrival is served in its own greenlet on behalf of one of a pool of tenants, through that
tenant's one adapter, inside ``scheduled_at(its scheduled start)`` (memload.adapters.calls): its
latency is measured from the scheduled start, the wait before it could be sent is ``queue_ms``,
and an arrival that finds ``max_concurrency`` requests in flight is dropped and counted.
"""

from __future__ import annotations

import os
import random
import time

import gevent
from gevent.pool import Pool
from locust import FastHttpUser, constant, task

from memload import names as C
from memload.adapters.calls import scheduled_at
from memload.loadgen import recorder
from memload.loadgen.schedule import schedule_s
from memload.loadgen.users import Operation, Tenant, Workload, class_name_for, worker_index_of
from memload.scenario import Scenario

WORKERS_ENV = C.WORKERS_ENV
OPERATION_NAMES: dict[Operation, str] = {}


class OpenModelUser(FastHttpUser):
    """Not a simulated person: the arrival scheduler of one Locust process."""

    abstract = True
    workload: Workload
    operation_names: dict[Operation, str]
    # After its one task (the whole schedule) the scheduler waits in Locust's wait, which a stop
    # interrupts at once; idling inside the task instead held every open-model run's end (users > 0)
    # for --stop-timeout (15 s) after the schedule was over.
    wait_time = constant(365 * 24 * 3600.0)

    def on_start(self) -> None:
        arrival = self.workload.scenario.arrival
        assert arrival is not None
        index = worker_index_of(self)
        self.tenants = [
            self.workload.tenant(self.client, worker_index=index, user_index=i)
            for i in range(arrival.tenants)
        ]
        self.rng = random.Random(self.workload.scenario.seed * 31 + index)
        self.pool = Pool(arrival.max_concurrency)

    @task
    def run_schedule(self) -> None:
        scenario: Scenario = self.workload.scenario
        assert scenario.arrival is not None
        processes = max(1, int(os.environ.get(WORKERS_ENV, "0") or 0))
        start_perf_s = time.perf_counter()
        for offset_s in schedule_s(
            scenario.arrival, duration_s=scenario.load.duration_s, processes=processes, rng=self.rng
        ):
            delay_s = start_perf_s + offset_s - time.perf_counter()
            if delay_s > 0:
                gevent.sleep(delay_s)
            self._arrive(start_perf_s + offset_s)
        self.pool.join()

    def _arrive(self, scheduled_perf_s: float) -> None:
        operation = self.workload.pick(self.rng)
        if self.pool.full():
            active = recorder.current()
            if active is not None:
                active.dropped(self.operation_names[operation])
            return
        tenant: Tenant = self.rng.choice(self.tenants)
        self.pool.spawn(_serve, operation, tenant, scheduled_perf_s)


def _serve(operation: Operation, tenant: Tenant, scheduled_perf_s: float) -> None:
    """One arrival, in its own greenlet: its requests are timed from its scheduled start."""
    with scheduled_at(scheduled_perf_s):
        operation(tenant)


def build_open_user_class(scenario: Scenario, operations: dict[str, Operation]) -> type[OpenModelUser]:
    assert scenario.arrival is not None
    attributes = {
        "workload": Workload.build(scenario, operations),
        "operation_names": {op: name for name, op in operations.items()},
        "concurrency": scenario.arrival.max_concurrency,  # FastHttpUser's connection pool size
        "network_timeout": scenario.timeout_s,  # FastHttpSession: each read of an answer
        "connection_timeout": scenario.timeout_s,
        "abstract": False,
        "__module__": __name__,
    }
    return type(class_name_for(scenario, "Arrivals"), (OpenModelUser,), attributes)
