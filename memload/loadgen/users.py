"""The simulated users of a scenario.

A ``Tenant`` is one end user of the memory service: a stable user_id, its own seeded content, and
the ids and texts of what it stored. In the closed model each Locust user is one tenant and runs
the mix in a loop (``MemloadUser``); in the open model (memload.loadgen.arrival) requests arrive on a
schedule and each is served on behalf of one of a pool of tenants. Either way a tenant has one
adapter for the whole run. Locustfiles provide one function per operation, taking a tenant.
"""

from __future__ import annotations

import bisect
import itertools
import json
import os
import random
from collections import deque
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

from locust import FastHttpUser, between, constant, constant_throughput, task

from memload import names as C
from memload.adapters.base import LIST_LIMIT as LIST_LIMIT  # re-exported for the locustfiles
from memload.adapters.base import Adapter, AdapterOptions
from memload.adapters.openai_compat import using_model
from memload.adapters.registry import load_adapter_class
from memload.loadgen.content import ContentPool, UserContent
from memload.scenario import Scenario
from memload.scenario.load import Pacing

SCENARIO_ENV = C.SCENARIO_FILE_ENV
KNOWN_IDS_PER_USER = 256
KNOWN_TEXTS_PER_USER = 64

Operation = Callable[["Tenant"], None]


def scenario_from_env() -> Scenario:
    """The resolved scenario the runner wrote for every Locust process (its path in the environment)."""
    path = os.environ.get(SCENARIO_ENV)
    if not path:
        raise RuntimeError(f"{SCENARIO_ENV} is not set: run this locustfile through `memload run`")
    with open(path, encoding="utf-8") as file:
        return Scenario.from_dict(json.load(file))


@dataclass(kw_only=True)
class Tenant:
    scenario: Scenario
    user_id: str
    content: UserContent
    adapter: Adapter
    memory_ids: deque[str] = field(default_factory=lambda: deque(maxlen=KNOWN_IDS_PER_USER))
    texts: deque[str] = field(default_factory=lambda: deque(maxlen=KNOWN_TEXTS_PER_USER))

    @property
    def rng(self) -> random.Random:
        return self.content.rng

    def model_drawn(self) -> AbstractContextManager[None]:
        """LLM requests made inside ask for a model drawn by weight from ``[llm] models`` (the
        scenario's one ``model`` when it gives no mix)."""
        models = self.scenario.llm.models
        model = self.rng.choices(list(models), weights=list(models.values()))[0] if models else None
        return using_model(model)

    def remember(self, memory_ids: str | list[str] | None, text: str) -> None:
        """What a create returned: an id, several (a service may make several memories of one
        text) or none."""
        for memory_id in [memory_ids] if isinstance(memory_ids, str) else memory_ids or ():
            if memory_id:
                self.memory_ids.append(memory_id)
        self.texts.append(text)


@dataclass(frozen=True, kw_only=True)
class Workload:
    """What every user class of a scenario shares in one process."""

    scenario: Scenario
    pool: ContentPool
    operations: tuple[Operation, ...]
    weights: tuple[float, ...]
    adapter_class: type[Adapter]
    adapter_options: AdapterOptions
    cumulative_weights: tuple[float, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "cumulative_weights", tuple(itertools.accumulate(self.weights)))

    @classmethod
    def build(cls, scenario: Scenario, operations: dict[str, Operation]) -> Workload:
        chosen = [(operations[name], weight) for name, weight in scenario.mix.items() if weight > 0]
        return cls(
            scenario=scenario,
            pool=ContentPool.build(scenario.seed),
            operations=tuple(op for op, _ in chosen),
            weights=tuple(w for _, w in chosen),
            adapter_class=load_adapter_class(scenario.target, base_dir=Path(scenario.path).parent),
            adapter_options=adapter_options_for(scenario),
        )

    def tenant(self, client, *, worker_index: int, user_index: int) -> Tenant:
        seed = self.scenario.seed
        return Tenant(
            scenario=self.scenario,
            user_id=f"memload-s{seed}-w{worker_index}-u{user_index}",
            content=UserContent(self.pool, seed=seed + 7919 * worker_index, user_index=user_index),
            adapter=self.adapter_class(client, options=self.adapter_options),
        )

    def pick(self, rng: random.Random) -> Operation:
        """An operation drawn by weight (the same draw as ``rng.choices``, without its set-up)."""
        total = self.cumulative_weights[-1]
        return self.operations[
            bisect.bisect(self.cumulative_weights, rng.random() * total, 0, len(self.operations) - 1)
        ]


def worker_index_of(user: FastHttpUser) -> int:
    return getattr(user.environment.runner, "worker_index", 0)


class MemloadUser(FastHttpUser):
    """Closed model: each user is one tenant running the mix, pacing by the scenario's wait."""

    abstract = True
    workload: Workload
    _counter = itertools.count()

    def on_start(self) -> None:
        self.tenant = self.workload.tenant(
            self.client, worker_index=worker_index_of(self), user_index=next(MemloadUser._counter)
        )

    @task
    def next_operation(self) -> None:
        self.workload.pick(self.tenant.rng)(self.tenant)


def wait_time_for(pacing: Pacing) -> Callable:
    if pacing.wait == "between":
        return between(pacing.min_s, pacing.max_s)
    if pacing.wait == "constant":
        return constant(pacing.seconds)
    if pacing.wait == "constant_throughput":
        return constant_throughput(pacing.rate_per_s)
    return constant(0)


def adapter_options_for(scenario: Scenario) -> AdapterOptions:
    return AdapterOptions.for_scenario(scenario)


def class_name_for(scenario: Scenario, suffix: str) -> str:
    return "".join(part.title() for part in scenario.name.replace("-", "_").split("_")) + suffix


def build_user_class(scenario: Scenario, operations: dict[str, Operation]) -> type[MemloadUser]:
    """A concrete closed-model user class for ``scenario``: the mix decides what runs next."""
    random.seed(scenario.seed)  # Locust's own random waits
    attributes = {
        "workload": Workload.build(scenario, operations),
        "wait_time": wait_time_for(scenario.pacing),
        "network_timeout": scenario.timeout_s,  # FastHttpSession: each read of an answer
        "connection_timeout": scenario.timeout_s,
        "abstract": False,
        "__module__": __name__,
    }
    return type(class_name_for(scenario, "User"), (MemloadUser,), attributes)
