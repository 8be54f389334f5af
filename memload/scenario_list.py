"""`memload scenarios`: the shipped scenarios with their load and length."""

from __future__ import annotations

import click

from memload.scenario import load_scenario, shipped_scenarios
from memload.scenario.durations import format_duration
from memload.scenario.tables import ScenarioError


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
def scenarios() -> None:
    """List the scenarios shipped with memload, with their descriptions."""
    for name, path in shipped_scenarios().items():
        try:
            s = load_scenario(str(path))
            if s.arrival is not None:  # open model: a rate, not users
                load = f"{'open':<8} {max((s.arrival.rate, *s.arrival.steps)):>5g} req/s"
            else:
                load = f"{s.load.shape:<8} {s.load.peak_users:>5} users"
            click.echo(f"{name:<15} {load}  {format_duration(s.load.duration_s):>7}  {s.description}")
        except ScenarioError as error:
            click.echo(f"{name:<15} INVALID: {error}")
