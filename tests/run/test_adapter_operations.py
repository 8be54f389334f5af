"""An adapter's operations are the operation methods it defines; requests made inside
``scheduled_at`` are timed from their scheduled start; ``from memload import Adapter`` stays light."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from memload.adapters.base import Adapter, AdapterOptions
from memload.adapters.calls import measure_from_schedule, scheduled_at, scheduled_start_perf_s
from memload.adapters.registry import load_adapter_class, operations_of
from memload.scenario import ScenarioError, load_scenario
from memload.scenario.figures import OPERATIONS

SCENARIO = """
name = "t"
target = "{target}"
warmup = "2s"
[load]
users = 5
spawn_rate = 5
duration = "10s"
[mix]
{mix}
"""


class Searcher(Adapter):
    name = "searcher"

    def search(self, user_id: str, query: str) -> None:
        pass


class SearcherThatStores(Searcher):
    def create_memory(self, user_id: str, content: str) -> str | None:
        return None


def scenario_file(tmp_path: Path, target: str, mix: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(SCENARIO.format(target=target, mix=mix))
    return path


def test_builtin_adapters_do_the_operations_they_define():
    assert operations_of("reference") == frozenset(OPERATIONS)
    assert operations_of("openai") == {"llm_chat", "embed"}
    assert operations_of("mem0") == {"create_memory", "get_memory", "list_memories", "delete_memory",
                                     "search"}


def test_operations_are_derived_from_the_methods_including_inherited_ones():
    assert Adapter.operations == frozenset()
    assert Searcher.operations == {"search"}
    assert SearcherThatStores.operations == {"search", "create_memory"}
    assert SearcherThatStores(None, options=AdapterOptions()).operations == {"search", "create_memory"}
    assert load_adapter_class("openai").operations == {"llm_chat", "embed"}


def test_a_legacy_operations_set_that_matches_the_methods_is_accepted_and_derived_from_then_on():
    class Legacy(Adapter):
        operations = frozenset({"search"})

        def search(self, user_id: str, query: str) -> None:
            pass

    assert Legacy.operations == {"search"}
    Legacy.create_memory = lambda self, user_id, content: None  # type: ignore[method-assign]
    assert Legacy.operations == {"search", "create_memory"}  # nothing declared is left to disagree


def test_a_legacy_operations_set_that_disagrees_with_the_methods_is_refused():
    with pytest.raises(TypeError, match="lists create_memory, search but the class implements search"):
        class Wrong(Adapter):  # noqa: F841
            operations = frozenset({"search", "create_memory"})

            def search(self, user_id: str, query: str) -> None:
                pass


def test_scenario_asking_an_adapter_for_an_operation_it_does_not_define_is_rejected(tmp_path):
    with pytest.raises(ScenarioError, match="target 'openai' cannot do search; it supports: embed, llm_chat"):
        load_scenario(str(scenario_file(tmp_path, "openai", "search = 1\nllm_chat = 1")))
    assert load_scenario(str(scenario_file(tmp_path, "openai", "embed = 1\nllm_chat = 1"))).target == "openai"


def test_a_broken_adapter_file_is_one_scenario_error_naming_the_file(tmp_path):
    (tmp_path / "broken.py").write_text(
        "from memload import Adapter\n"
        "class Broken(Adapter):\n    operations = frozenset({'search'})\n")
    with pytest.raises(ScenarioError, match=r"broken\.py.*TypeError: Broken\.operations lists search"):
        load_scenario(str(scenario_file(tmp_path, "broken.py:Broken", "search = 1")))


class FakeResponse:
    """What measure_from_schedule reads and writes of Locust's response: its request_meta."""

    def __init__(self, response_time_ms: float) -> None:
        self.request_meta: dict = {"response_time": response_time_ms, "context": {}}


def test_requests_inside_scheduled_at_are_timed_from_the_scheduled_start():
    closed = FakeResponse(5.0)
    measure_from_schedule(closed)
    assert closed.request_meta == {"response_time": 5.0, "context": {}}  # closed model: as Locust timed it
    scheduled = time.perf_counter() - 0.25
    with scheduled_at(scheduled):
        assert scheduled_start_perf_s() == scheduled
        late = FakeResponse(5.0)
        measure_from_schedule(late)
    assert scheduled_start_perf_s() is None
    assert 250.0 <= late.request_meta["response_time"] < 400.0
    assert late.request_meta["context"]["queue_ms"] == pytest.approx(late.request_meta["response_time"] - 5.0)


@pytest.mark.integration
def test_memload_exports_what_an_adapter_author_needs_without_importing_locust():
    code = ("import sys, memload, memload.adapters.base as base, memload.adapters.openai_compat as oc\n"
            "assert memload.Adapter is base.Adapter and memload.AdapterOptions is base.AdapterOptions\n"
            "assert memload.StreamStats is oc.StreamStats and 'Adapter' in dir(memload)\n"
            "from memload import Adapter, AdapterOptions, StreamStats\n"
            "heavy = ('locust', 'gevent', 'geventhttpclient')\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
