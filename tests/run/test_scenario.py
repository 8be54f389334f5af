"""Scenario files: every shipped one loads, and every mistake is named by file, key and allowance."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from memload.scenario import ScenarioError, apply_overrides, load_scenario, shipped_scenarios

VALID = """
name = "t"
target = "reference"
warmup = "2s"
[load]
users = 5
spawn_rate = 5
duration = "10s"
[mix]
create_memory = 1
search = 1
"""


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_every_shipped_scenario_loads():
    names = set(shipped_scenarios())
    assert {"smoke", "load", "stress", "spike", "soak", "capacity", "ci"} <= names
    for name in names:
        scenario = load_scenario(name)
        assert scenario.description, name
        assert scenario.load.duration_s > scenario.warmup_s


def test_shipped_durations_match_their_promises():
    assert load_scenario("smoke").load.duration_s <= 30
    assert load_scenario("ci").load.duration_s <= 120
    assert load_scenario("soak").load.duration_s == 24 * 3600
    load = load_scenario("load").load
    assert (load.users, load.spawn_rate, load.duration_s) == (50, 10, 600)


def test_valid_file_resolves_defaults(tmp_path):
    scenario = load_scenario(str(write(tmp_path, VALID)))
    assert scenario.warmup_s == 2.0 and scenario.load.shape == "constant"
    assert scenario.pacing.wait == "none" and scenario.llm.model == "fast"
    assert scenario.mix == {"create_memory": 1.0, "search": 1.0}


@pytest.mark.parametrize(("edit", "key", "allowed"), [
    (lambda t: "colour = 1\n" + t, "colour", "allowed: name, description"),
    (lambda t: t.replace("users = 5", "users = 5\nshape = \"square\""), "load.shape", "allowed: constant, ramp, steps, spike"),
    (lambda t: t.replace("users = 5", "users = \"five\""), "load.users", "whole number"),
    (lambda t: t.replace("users = 5", "users = 0"), "load.users", "at least 1"),
    (lambda t: t.replace('duration = "10s"', 'duration = "ten"'), "load.duration", "like 30s"),
    (lambda t: t.replace("search = 1", "serch = 1"), "mix.serch", "allowed: create_memory"),
    (lambda t: t.replace("create_memory = 1\nsearch = 1", "search = 0"), "mix", "at least one operation"),
    (lambda t: t.replace("search = 1", "search = -1"), "mix.search", "at least 0"),
    (lambda t: t.replace('warmup = "2s"', 'warmup = "20s"'), "warmup", "shorter than the run"),
    (lambda t: t + '[thresholds]\n"search.p95" = "< 5"\n', "thresholds.search.p95", "unknown metric"),
    (lambda t: t + '[thresholds]\n"serch.p95_ms" = "< 5"\n', "thresholds.serch.p95_ms", "unknown scope"),
    (lambda t: t + '[thresholds]\n"search.p95_ms" = "about 5"\n', "thresholds.search.p95_ms", "cannot parse"),
    (lambda t: t.replace('target = "reference"', 'target = "openai"'), "mix", "cannot do create_memory, search"),
    (lambda t: t.replace('target = "reference"', 'target = "nosuch"'), "target", "built in: reference, openai, mem0"),
    (lambda t: t + "[pacing]\nwait = \"between\"\nmin_s = 1\nmax_s = 0.5\n", "pacing.max_s", "at least min_s"),
    (lambda t: t + "[pacing]\nwait = \"sometimes\"\n", "pacing.wait", "allowed: none, between"),
    (lambda t: t + "[llm]\nstream = \"yes\"\n", "llm.stream", "true or false"),
    (lambda t: t + "[data]\ntop_k = 1000\n", "data.top_k", "at most 100"),
    (lambda t: t.split("[mix]")[0], "mix", "missing table"),
    (lambda t: t + "[reference]\nerror_rate = \"lots\"\n", "reference.error_rate", "must be a number"),
    (lambda t: t + "[reference]\nerror_rate = 5\n", "reference.error_rate", "between 0 and 1"),
    (lambda t: t + "[reference]\ncache = 1\n", "reference.cache", "true or false"),
    (lambda t: t + "[reference]\ncolour = 1\n", "reference.colour", "allowed: cache"),
])
def test_errors_name_file_key_and_what_is_allowed(tmp_path, edit, key, allowed):
    path = write(tmp_path, edit(VALID))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(str(path))
    message = str(caught.value)
    assert message.startswith(f"{path}: {key}: "), message
    assert allowed in message


def test_shape_specific_errors(tmp_path):
    spike = VALID.replace("users = 5", 'shape = "spike"\nusers = 5\nspike_users = 50\nspike_at = "8s"\nspike_duration = "5s"')
    with pytest.raises(ScenarioError, match="load.spike_at: the spike must end before the run does"):
        load_scenario(str(write(tmp_path, spike)))
    steps = VALID.replace("users = 5", 'shape = "steps"\nsteps = []\nstep_duration = "5s"').replace('duration = "10s"', "")
    with pytest.raises(ScenarioError, match="load.steps: must be a non-empty list"):
        load_scenario(str(write(tmp_path, steps)))


def test_toml_syntax_error_and_unknown_name(tmp_path):
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load_scenario(str(write(tmp_path, "name = ")))
    with pytest.raises(ScenarioError, match="unknown scenario; shipped: .*smoke"):
        load_scenario("no-such-scenario")


def test_overrides_are_applied_and_validated(tmp_path):
    scenario = load_scenario(str(write(tmp_path, VALID)))
    changed = apply_overrides(scenario, users=7, spawn_rate=2, duration="1m", seed=9)
    assert (changed.load.users, changed.load.spawn_rate, changed.load.duration_s, changed.seed) == (7, 2, 60, 9)
    with pytest.raises(ScenarioError, match="--duration"):
        apply_overrides(scenario, duration="soon")
    with pytest.raises(ScenarioError, match="cannot do"):
        apply_overrides(scenario, target="openai")
    capacity = apply_overrides(load_scenario("capacity"), users=64)
    assert capacity.load.steps == (1, 1, 2, 4, 8, 16, 32, 64)
    shorter = apply_overrides(load_scenario("capacity"), step_duration="20s")
    assert (shorter.load.step_duration_s, shorter.load.duration_s) == (20, 160)
    with pytest.raises(ScenarioError, match="--duration: .* runs 8 steps .* set --step-duration"):
        apply_overrides(load_scenario("capacity"), duration="150s")


def test_a_shorter_soak_needs_a_shorter_warmup_and_says_so() -> None:
    with pytest.raises(ScenarioError, match=r"--warmup: the warm-up \(5m, .*soak.toml's warmup\) must be shorter "
                                            r"than the run \(2m\): add a shorter --warmup, e.g. --warmup 12s"):
        apply_overrides(load_scenario("soak"), duration="2m")
    short = apply_overrides(load_scenario("soak"), duration="2m", warmup="10s")
    assert (short.load.duration_s, short.warmup_s) == (120, 10)
    with pytest.raises(ScenarioError, match=r"--warmup: the warm-up \(3m, --warmup\)"):
        apply_overrides(load_scenario("smoke"), warmup="3m")
    with pytest.raises(ScenarioError, match="--warmup: expected a duration"):
        apply_overrides(load_scenario("smoke"), warmup="soon")


def test_memload_scenarios_shows_durations_as_written() -> None:
    from click.testing import CliRunner

    from memload.cli import main

    lines = CliRunner().invoke(main, ["scenarios"]).output.splitlines()
    soak = next(line for line in lines if line.startswith("soak "))
    assert " 24h " in soak and "86400" not in soak
    assert " 20s " in next(line for line in lines if line.startswith("smoke "))


def test_capacity_table_is_checked(tmp_path):
    scenario = load_scenario(str(write(tmp_path, VALID + '[capacity]\nslo = "search.p95_ms < 50"\n')))
    assert [t.address for t in scenario.capacity.slos()] == ["search.p95_ms"]
    for table, key in (('slo = ["serch.p95_ms < 5"]', "capacity.slo"), ("settle_fraction = 0.95", "capacity.settle"),
                       ("probe_duration = 0", "capacity.probe_duration"), ("colour = 1", "capacity.colour")):
        with pytest.raises(ScenarioError, match=key):
            load_scenario(str(write(tmp_path, VALID + "[capacity]\n" + table + "\n")))


OPEN = """
name = "o"
[arrival]
steps = [10, 20]
step_duration = "5s"
[mix]
search = 1
"""


def test_rate_overrides_an_open_model_and_is_refused_on_a_closed_one(tmp_path):
    scenario = load_scenario(str(write(tmp_path, OPEN)))
    changed = apply_overrides(scenario, rate=50)
    assert changed.arrival is not None and (changed.arrival.rate, changed.arrival.steps) == (50, ())
    with pytest.raises(ScenarioError, match="--rate: .* is a closed-model scenario"):
        apply_overrides(load_scenario(str(write(tmp_path, VALID))), rate=50)
    with pytest.raises(ScenarioError, match="--users: .* open-model scenario"):
        apply_overrides(scenario, users=3)


def test_timeout_comes_from_the_scenario_or_the_command_line(tmp_path):
    scenario = load_scenario(str(write(tmp_path, 'timeout = "2.5s"\n' + VALID)))
    assert scenario.timeout_s == 2.5 and load_scenario(str(write(tmp_path, VALID))).timeout_s == 60
    assert apply_overrides(scenario, timeout="10s").timeout_s == 10
    for bad in ("0", "2h", "soon"):
        with pytest.raises(ScenarioError, match="--timeout"):
            apply_overrides(scenario, timeout=bad)
    with pytest.raises(ScenarioError, match="timeout: must be between"):
        load_scenario(str(write(tmp_path, "timeout = 0\n" + VALID)))


def test_round_trip_through_json_dict():
    from memload.scenario import Scenario

    scenario = load_scenario("capacity")
    assert Scenario.from_dict(scenario.to_dict()) == scenario


@pytest.mark.integration
def test_cli_reports_scenario_errors_in_one_line_with_exit_2(tmp_path):
    path = write(tmp_path, VALID.replace("search = 1", "serch = 1"))
    result = subprocess.run([sys.executable, "-m", "memload", "run", str(path)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2
    assert f"{path}: mix.serch: unknown key" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_custom_adapter_file_is_found_relative_to_the_scenario(tmp_path):
    (tmp_path / "my_adapter.py").write_text(
        "from memload.adapters.base import Adapter\n"
        "class Mine(Adapter):\n    name = 'mine'\n    operations = frozenset({'search'})\n"
        "    def search(self, user_id, query):\n        self.call_json('POST', '/find', operation='search', body={'q': query})\n")
    text = VALID.replace('target = "reference"', 'target = "my_adapter.py:Mine"')
    with pytest.raises(ScenarioError, match="cannot do create_memory"):
        load_scenario(str(write(tmp_path, text)))
    ok = load_scenario(str(write(tmp_path, text.replace("create_memory = 1\n", ""), "ok.toml")))
    assert ok.target == "my_adapter.py:Mine"
