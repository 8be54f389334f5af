"""The locustfile `memload run` hands to Locust: the scenario's users, load shape and recorder.

The runner passes the resolved scenario in MEMLOAD_SCENARIO_JSON; the workloads live in the other
files of this folder, one per workload. A closed-model scenario gets one Locust user per tenant;
an open-model one ([arrival]) gets one arrival scheduler per Locust process.
"""

import os
from dataclasses import replace

from locust import events

from memload.checks import install as checks
from memload.loadgen import recorder
from memload.loadgen.arrival import WORKERS_ENV, OpenModelUser, build_open_user_class
from memload.loadgen.shapes import build_shape_class
from memload.loadgen.users import MemloadUser, build_user_class, scenario_from_env
from memload.locustfiles import llm, memory, rag, search

SCENARIO = scenario_from_env()
CHECKER = checks.checker_for(SCENARIO)  # the scenario's [checks]: None when it has none
OPERATIONS = checks.operations_for(
    CHECKER, {**memory.OPERATIONS, **search.OPERATIONS, **llm.OPERATIONS, **rag.OPERATIONS}
)

ScenarioUser: type[MemloadUser] | type[OpenModelUser]
if SCENARIO.arrival is None:
    ScenarioUser = build_user_class(SCENARIO, OPERATIONS)
    ScenarioShape = build_shape_class(SCENARIO.load)
else:
    ScenarioUser = build_open_user_class(SCENARIO, OPERATIONS)
    processes = max(1, int(os.environ.get(WORKERS_ENV) or 0))
    ScenarioShape = build_shape_class(replace(SCENARIO.load, users=processes, spawn_rate=float(processes)))


@events.init.add_listener
def install_recorder(environment, **_kwargs):
    recorder.install(environment, SCENARIO)
    checks.install(environment, CHECKER)
