"""A scenario's [compare] table and [reference].added_latency_ms_on (issue 15): what they accept,
what run.json keeps, and a one-line error naming file and key for anything else."""

from __future__ import annotations

from pathlib import Path

import pytest

from memload.scenario import ScenarioError, load_scenario
from memload.scenario.model import Scenario

VALID = """
name = "t"
target = "reference"
[load]
users = 5
duration = "10s"
[mix]
search = 1
llm_chat = 1
"""


def _load(tmp_path: Path, extra: str) -> Scenario:
    path = tmp_path / "s.toml"
    path.write_text(VALID + extra)
    return load_scenario(str(path))


def test_the_compare_table_is_kept_in_the_resolved_scenario(tmp_path: Path) -> None:
    scenario = _load(
        tmp_path,
        '[compare]\nmax_regression_pct = 5\n"llm_chat.p95_ms" = { min_improvement_pct = 20 }\n'
        'p99_ms = { max_regression_pct = 10, min_improvement_pct = 1 }\n',
    )
    assert scenario.compare == {
        "max_regression_pct": 5.0,
        "llm_chat.p95_ms": {"min_improvement_pct": 20.0},
        "p99_ms": {"max_regression_pct": 10.0, "min_improvement_pct": 1.0},
    }
    assert Scenario.from_dict(scenario.to_dict()).compare == scenario.compare
    assert _load(tmp_path, "").compare == {}


@pytest.mark.parametrize(
    "table, key, message",
    [
        ("max_regression_pct = -1", "compare.max_regression_pct", "must be a number of percent >= 0"),
        ('max_regression_pct = "5"', "compare.max_regression_pct", "must be a number of percent"),
        ("p95 = { max_regression_pct = 1 }", "compare.p95", "unknown figure 'p95'"),
        ('"serch.p95_ms" = { max_regression_pct = 1 }', "compare.serch.p95_ms", "unknown scope 'serch'"),
        ('"search.p95_ms" = 5', "compare.search.p95_ms", "must be a table like"),
        ('"search.p95_ms" = { max = 5 }', "compare.search.p95_ms.max", "allowed: max_regression_pct"),
    ],
)
def test_a_bad_compare_table_names_file_and_key(tmp_path: Path, table: str, key: str, message: str) -> None:
    with pytest.raises(ScenarioError) as error:
        _load(tmp_path, f"[compare]\n{table}\n")
    assert f"s.toml: {key}: " in str(error.value) and message in str(error.value)


def test_added_latency_on_one_route(tmp_path: Path) -> None:
    scenario = _load(tmp_path, '[reference]\nadded_latency_ms_on = "search=20, llm_chat=1.5"\n')
    assert scenario.reference == {"added_latency_ms_on": "search=20, llm_chat=1.5"}
    for bad in ('"serch=20"', '"search=-1"', '"search"', '"search=inf"', "20"):
        with pytest.raises(ScenarioError, match="reference.added_latency_ms_on: "):
            _load(tmp_path, f"[reference]\nadded_latency_ms_on = {bad}\n")
