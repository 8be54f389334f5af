"""The simulated user of a scenario: one tenant with a stable user_id, its own seeded content and
memory of what it stored, an adapter for the target, and an operation picked by the scenario's mix.

Locustfiles provide one function per operation; this module assembles them into a FastHttpUser.
"""
from __future__ import annotations

import itertools
import json
import os
import random
from collections import deque
from pathlib import Path
from typing import Callable

from locust import FastHttpUser, between, constant, constant_throughput, task

from memload.adapters.base import AdapterOptions
from memload.adapters.registry import load_adapter_class
from memload.content import ContentPool, UserContent
from memload.scenario import Scenario
from memload.scenario_load import Pacing

SCENARIO_ENV = "MEMLOAD_SCENARIO_JSON"
KNOWN_IDS_PER_USER = 256
KNOWN_TEXTS_PER_USER = 64
LIST_LIMIT = 20

Operation = Callable[["MemloadUser"], None]


def scenario_from_env() -> Scenario:
    """The resolved scenario the runner hands every Locust process through the environment."""
    raw = os.environ.get(SCENARIO_ENV)
    if not raw:
        raise RuntimeError(f"{SCENARIO_ENV} is not set: run this locustfile through `memload run`")
    return Scenario.from_dict(json.loads(raw))


class MemloadUser(FastHttpUser):
    abstract = True
    scenario: Scenario
    pool: ContentPool
    operations: tuple[Operation, ...]
    weights: tuple[float, ...]
    _counter = itertools.count()

    def on_start(self) -> None:
        worker_index = getattr(self.environment.runner, "worker_index", 0)
        self.user_index = next(MemloadUser._counter)
        seed = self.scenario.seed
        self.user_id = f"memload-s{seed}-w{worker_index}-u{self.user_index}"
        self.content = UserContent(self.pool, seed=seed + 7919 * worker_index, user_index=self.user_index)
        self.rng = self.content.rng
        self.memory_ids: deque[str] = deque(maxlen=KNOWN_IDS_PER_USER)
        self.texts: deque[str] = deque(maxlen=KNOWN_TEXTS_PER_USER)
        self.adapter = self.adapter_class(self.client, options=self.adapter_options)

    def remember(self, memory_id: str | None, text: str) -> None:
        if memory_id:
            self.memory_ids.append(memory_id)
        self.texts.append(text)

    @task
    def next_operation(self) -> None:
        operation = self.rng.choices(self.operations, weights=self.weights)[0]
        operation(self)


def wait_time_for(pacing: Pacing) -> Callable:
    if pacing.wait == "between":
        return between(pacing.min_s, pacing.max_s)
    if pacing.wait == "constant":
        return constant(pacing.seconds)
    if pacing.wait == "constant_throughput":
        return constant_throughput(pacing.rate_per_s)
    return constant(0)


def adapter_options_for(scenario: Scenario) -> AdapterOptions:
    llm, data = scenario.llm, scenario.data
    return AdapterOptions(model=llm.model, embed_model=llm.embed_model, stream=llm.stream,
                          max_tokens=llm.max_tokens, temperature=llm.temperature, top_k=data.top_k,
                          namespace=data.namespace)


def build_user_class(scenario: Scenario, operations: dict[str, Operation]) -> type[MemloadUser]:
    """A concrete user class for ``scenario``: the mix decides which operation runs next."""
    worker_seed = scenario.seed
    random.seed(worker_seed)  # Locust's own random waits
    chosen = [(operations[name], weight) for name, weight in scenario.mix.items() if weight > 0]
    base_dir = Path(scenario.path).parent
    attributes = {
        "scenario": scenario,
        "pool": ContentPool.build(scenario.seed),
        "operations": tuple(op for op, _ in chosen),
        "weights": tuple(weight for _, weight in chosen),
        "adapter_class": load_adapter_class(scenario.target, base_dir=base_dir),
        "adapter_options": adapter_options_for(scenario),
        "wait_time": wait_time_for(scenario.pacing),
        "abstract": False,
        "__module__": __name__,
    }
    return type(f"{scenario.name.title().replace('-', '').replace('_', '')}User", (MemloadUser,), attributes)
