"""The scenario format: TOML data files validated into a typed ``Scenario`` (model), the load and
pacing tables (load), threshold syntax and figure names (thresholds, figures), reading tables with
errors that name the file and key (tables), and command-line overrides (overrides)."""

from memload.scenario.model import Scenario, load_scenario, parse_scenario, shipped_scenarios
from memload.scenario.overrides import apply_overrides
from memload.scenario.tables import ScenarioError

__all__ = [
    "Scenario",
    "ScenarioError",
    "apply_overrides",
    "load_scenario",
    "parse_scenario",
    "shipped_scenarios",
]
