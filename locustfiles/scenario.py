"""The locustfile `memload run` hands to Locust: the scenario's user class and load shape.

The runner passes the resolved scenario in MEMLOAD_SCENARIO_JSON; the workloads live in the other
files of this folder, one per workload.
"""
from memload.loadgen import build_user_class, scenario_from_env
from memload.locustfiles import llm, memory, rag, search
from memload.shapes import build_shape_class

SCENARIO = scenario_from_env()
OPERATIONS = {**memory.OPERATIONS, **search.OPERATIONS, **llm.OPERATIONS, **rag.OPERATIONS}

ScenarioUser = build_user_class(SCENARIO, OPERATIONS)
ScenarioShape = build_shape_class(SCENARIO.load)
