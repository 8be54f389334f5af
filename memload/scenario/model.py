"""Scenarios: TOML data files, validated on load into a typed, resolved ``Scenario``.

Every error names the file, the key and what is allowed, e.g.
``scenarios/load.toml: load.shape: unknown value 'square'; allowed: constant, ramp, spike, steps``.
"""

from __future__ import annotations

import importlib.resources
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from memload.adapters.http.spec import parse_http
from memload.adapters.registry import operations_of
from memload.checks.spec import parse_checks
from memload.monitor.spec import parse_monitor
from memload.scenario.capacity import CapacityOptions, parse_capacity
from memload.scenario.compare import parse_compare
from memload.scenario.figures import OPERATIONS
from memload.scenario.llm import LlmOptions, parse_llm
from memload.scenario.load import Arrival, LoadShape, Pacing, parse_arrival, parse_load, parse_pacing
from memload.scenario.tables import ScenarioError, TableReader
from memload.scenario.targets import Mem0Options, parse_mem0, parse_reference
from memload.scenario.thresholds import ThresholdError, parse_thresholds

TOP_KEYS = (
    "name",
    "description",
    "target",
    "seed",
    "warmup",
    "timeout",
    "load",
    "arrival",
    "pacing",
    "mix",
    "llm",
    "data",
    "reference",
    "mem0",
    "http",
    "monitor",
    "capacity",
    "compare",
    "checks",
    "thresholds",
)
# the client's timeout: Locust's own default, and the bounds a scenario or --timeout may set
DEFAULT_TIMEOUT_S = 60.0
MIN_TIMEOUT_S = 0.1
MAX_TIMEOUT_S = 3600.0
DATA_KEYS = ("batch_size", "top_k", "known_query_share", "namespace")


@dataclass(frozen=True, kw_only=True)
class DataOptions:
    batch_size: int = 16
    top_k: int = 10
    known_query_share: float = 0.5  # share of searches that reuse the user's own earlier content
    namespace: str | None = None


@dataclass(frozen=True, kw_only=True)
class Scenario:
    name: str
    description: str
    path: str
    target: str
    seed: int
    warmup_s: float
    load: LoadShape
    pacing: Pacing
    mix: dict[str, float]
    llm: LlmOptions = field(default_factory=LlmOptions)
    data: DataOptions = field(default_factory=DataOptions)
    reference: dict[str, Any] = field(default_factory=dict)
    thresholds: dict[str, Any] = field(default_factory=dict)
    arrival: Arrival | None = None  # open model; None: closed model (users from [load])
    timeout_s: float = DEFAULT_TIMEOUT_S  # the client's: connect, and each read of an answer
    capacity: CapacityOptions = field(default_factory=CapacityOptions)
    mem0: Mem0Options = field(default_factory=Mem0Options)  # the mem0 target's API, auth and add mode
    compare: dict[str, Any] = field(default_factory=dict)  # [compare]: limits of `memload compare`
    http: dict[str, Any] = field(default_factory=dict)  # target "http": the API (memload.adapters.http)
    monitor: dict[str, Any] = field(default_factory=dict)  # [monitor]: what to watch (memload.monitor)
    checks: dict[str, Any] = field(default_factory=dict)  # [checks]: correctness under load (memload.checks)

    @property
    def model(self) -> str:
        return "open" if self.arrival is not None else "closed"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Scenario:
        load = dict(data["load"], steps=tuple(data["load"].get("steps", ())))
        arrival = data.get("arrival")
        return cls(
            **{
                k: v
                for k, v in data.items()
                if k not in ("load", "pacing", "llm", "data", "arrival", "capacity", "mem0")
            },
            mem0=Mem0Options(**data.get("mem0", {})),
            capacity=_capacity_from_dict(data.get("capacity") or {}),
            arrival=None
            if arrival is None
            else Arrival(**dict(arrival, steps=tuple(arrival.get("steps", ())))),
            load=LoadShape(**load),
            pacing=Pacing(**data["pacing"]),
            llm=LlmOptions(**data["llm"]),
            data=DataOptions(**data["data"]),
        )


def _capacity_from_dict(data: dict[str, Any]) -> CapacityOptions:
    return CapacityOptions(**dict(data, slo=tuple(data.get("slo", ()))))


def scenarios_dir() -> Path:
    """The folder of the scenarios shipped with memload."""
    return Path(str(importlib.resources.files("memload.scenarios")))


def shipped_scenarios() -> dict[str, Path]:
    return {p.stem: p for p in sorted(scenarios_dir().glob("*.toml"))}


def resolve_scenario_path(name_or_path: str) -> Path:
    """A shipped scenario's name (``smoke``) or the path of any scenario file."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or candidate.exists():
        if not candidate.is_file():
            raise ScenarioError(str(candidate), None, "no such scenario file")
        return candidate
    shipped = shipped_scenarios()
    if name_or_path not in shipped:
        raise ScenarioError(
            name_or_path, None, f"unknown scenario; shipped: {', '.join(shipped)} (or give a .toml path)"
        )
    return shipped[name_or_path]


def load_scenario(name_or_path: str) -> Scenario:
    path = resolve_scenario_path(name_or_path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ScenarioError(str(path), None, "not a text file (a scenario is UTF-8 TOML)") from None
    except OSError as error:
        raise ScenarioError(str(path), None, f"cannot be read: {error.strerror or error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(str(path), None, f"not valid TOML: {error}") from None
    return parse_scenario(raw, source=str(path))


def parse_scenario(raw: dict[str, Any], *, source: str) -> Scenario:
    top = TableReader(raw, source=source, prefix="", allowed=TOP_KEYS)
    target = top.str("target", default="reference")
    load, arrival = _parse_load_or_arrival(top)
    scenario = Scenario(
        name=top.str("name", default=Path(source).stem),
        description=top.str("description", default=""),
        path=source,
        target=target,
        seed=top.int("seed", default=1, minimum=0),
        warmup_s=top.duration("warmup", default=0.0),
        timeout_s=_parse_timeout(top),
        load=load,
        arrival=arrival,
        pacing=parse_pacing(top.table("pacing")),
        mix=_parse_mix(top.table("mix", required=True)),
        llm=parse_llm(top.table("llm")),
        data=_parse_data(top.table("data")),
        reference=parse_reference(top.table("reference")),
        capacity=parse_capacity(top.table("capacity")),
        mem0=parse_mem0(top.table("mem0")),
        http=parse_http(top.table("http"), target=target, mix=raw.get("mix"), checks=raw.get("checks")),
        monitor=parse_monitor(top.table("monitor"), thresholds=raw.get("thresholds")),
        compare=parse_compare(top.table("compare")),
        checks=parse_checks(top.table("checks"), target=target, base_dir=Path(source).parent),
        thresholds=_parse_thresholds(top, raw.get("thresholds", {})),
    )
    check_consistency(scenario)
    return scenario


def _parse_timeout(top: TableReader) -> float:
    timeout_s = top.duration("timeout", default=DEFAULT_TIMEOUT_S)
    if not MIN_TIMEOUT_S <= timeout_s <= MAX_TIMEOUT_S:
        raise top.error("timeout", f"must be between {MIN_TIMEOUT_S:g} s and 1h, got {timeout_s:g} s")
    return timeout_s


def _parse_load_or_arrival(top: TableReader) -> tuple[LoadShape, Arrival | None]:
    """Closed model: [load] (users). Open model: [arrival] (a rate), which owns the duration."""
    if "arrival" not in top.raw:
        return parse_load(top.table("load", required=True)), None
    if "load" in top.raw:
        raise top.error(
            "arrival",
            "a scenario has either [load] (users, closed model) or [arrival] "
            "(a request rate, open model), not both",
        )
    if "pacing" in top.raw:
        raise top.error("pacing", "does not apply to an open-model ([arrival]) scenario")
    arrival, duration_s = parse_arrival(top.table("arrival"))
    # One scheduling user per Locust process; the runner sets the count to the number of processes.
    return LoadShape(shape="constant", users=1, spawn_rate=100.0, duration_s=duration_s), arrival


def check_consistency(scenario: Scenario) -> None:
    """Checks across tables: the adapter can do every operation of the mix; warm-up fits."""
    source = scenario.path
    try:
        supported = operations_of(scenario.target, base_dir=Path(source).parent)
    except ValueError as error:
        raise ScenarioError(source, "target", str(error)) from None
    unsupported = [op for op, weight in scenario.mix.items() if weight > 0 and op not in supported]
    if unsupported:
        raise ScenarioError(
            source,
            "mix",
            f"target {scenario.target!r} cannot do {', '.join(unsupported)}; "
            f"it supports: {', '.join(sorted(supported))}",
        )
    if scenario.warmup_s >= scenario.load.duration_s:
        raise ScenarioError(
            source,
            "warmup",
            f"warm-up ({scenario.warmup_s:g} s) must be shorter than the run "
            f"({scenario.load.duration_s:g} s)",
        )


def _parse_mix(reader: TableReader) -> dict[str, float]:
    mix = {op: reader.number(op, minimum=0.0) for op in reader.keys_checked(OPERATIONS)}
    if not any(weight > 0 for weight in mix.values()):
        raise reader.error(
            None, f"needs at least one operation with a weight > 0; operations: {', '.join(OPERATIONS)}"
        )
    return mix


def _parse_data(reader: TableReader) -> DataOptions:
    reader.keys_checked(DATA_KEYS)
    defaults = DataOptions()
    share = reader.number("known_query_share", default=defaults.known_query_share, minimum=0.0)
    if share > 1:
        raise reader.error("known_query_share", f"must be between 0 and 1, got {share:g}")
    return DataOptions(
        batch_size=reader.int("batch_size", default=defaults.batch_size, minimum=1, maximum=256),
        top_k=reader.int("top_k", default=defaults.top_k, minimum=1, maximum=100),
        known_query_share=share,
        namespace=reader.str("namespace", default=None),
    )


def _parse_thresholds(top: TableReader, table: object) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise top.error("thresholds", 'must be a table of "<scope>.<metric>" = "<op> <number>"')
    try:
        parse_thresholds(table)
    except ThresholdError as error:
        raise ScenarioError(top.source, f"thresholds.{error.key}", str(error).split(": ", 1)[1]) from None
    return dict(table)
