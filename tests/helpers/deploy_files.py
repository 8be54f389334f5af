"""Reading the deployment files as their tools would, far enough to check them here (no Docker
engine, no cluster, no GitHub runner on these machines): YAML, compose's ``${NAME:-default}``
interpolation, and every memload command line parsed by memload's own CLI."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import click
import yaml

from memload.cli import main
from memload.scenario import shipped_scenarios

ROOT = Path(__file__).resolve().parents[2]  # tests/helpers/ -> the checkout
_COMPOSE_VARIABLE = re.compile(r"\$\{(\w+)(?::-([^}]*))?\}")


def compose_defaults(value: Any) -> Any:
    """``value`` with every ``${NAME:-default}`` replaced by its default, as compose does when NAME is unset."""
    if isinstance(value, str):
        return _COMPOSE_VARIABLE.sub(lambda m: m.group(2) or "", value)
    if isinstance(value, list):
        return [compose_defaults(v) for v in value]
    if isinstance(value, dict):
        return {k: compose_defaults(v) for k, v in value.items()}
    return value


def load_yaml(relative: str) -> Any:
    return yaml.safe_load((ROOT / relative).read_text())


def load_yaml_documents(relative: str) -> list[Any]:
    return [d for d in yaml.safe_load_all((ROOT / relative).read_text()) if d]


def parse_memload(args: list[str]) -> click.Context:
    """The context memload's CLI makes of ``memload ARGS``; click's usage error when it is not a valid
    command line. A SCENARIO argument must name a shipped scenario."""
    group = click.Context(main, info_name="memload")
    name, *rest = args
    command = main.get_command(group, name)
    if command is None:
        raise click.UsageError(f"no such command {name!r}")
    context = command.make_context(name, rest, parent=group)
    scenario = context.params.get("scenario")
    if scenario is not None and scenario not in shipped_scenarios():
        raise click.UsageError(f"no shipped scenario {scenario!r}")
    return context


def memload_lines(script: str, values: dict[str, str]) -> list[list[str]]:
    """The memload command lines of a workflow step's shell script, ``${{ expr }}`` replaced by
    ``values[expr]`` and shell parameter expansions ``${NAME:+...}`` dropped."""
    found = []
    for line in script.splitlines():
        line = line.strip()
        if not line.startswith(".venv/bin/memload "):
            continue
        line = re.sub(r"\$\{\{\s*([^}]+?)\s*\}\}", lambda m: values[m.group(1)], line)
        line = re.sub(r"\$\{\w+:\+[^}]*\}", "", line)
        found.append(shlex.split(line)[1:])
    return found
