"""The ``memload`` command: a thin click layer over the library.

Subcommands are imported only when invoked, so ``memload --help`` stays fast and a command that
needs gevent's monkey-patching (``serve``) can apply it before anything else touches sockets.
"""

from __future__ import annotations

import importlib

import click

from memload import __version__

# name -> "module:attribute" of a click.Command
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("memload.run.cli:run", "Run a scenario with Locust and write a results directory."),
    "scenarios": ("memload.scenario_list:scenarios", "List the scenarios shipped with memload."),
    "serve": ("memload.reference.cli:serve", "Serve the reference memory + LLM target over HTTP."),
    "capacity": (
        "memload.capacity.cli:capacity",
        "Find the highest arrival rate at which every SLO holds (an arrival-rate search).",
    ),
    "master": (
        "memload.distributed.cli:master",
        "Run a scenario whose Locust workers connect from elsewhere (`memload worker`).",
    ),
    "worker": (
        "memload.distributed.cli:worker",
        "A Locust worker that takes its scenario from a `memload master`.",
    ),
    "report": ("memload.analysis.cli:report", "Turn a results directory into plots, reports and a verdict."),
    "compare": (
        "memload.analysis.compare.command:compare",
        "Compare runs with a baseline: changes with confidence intervals, verdicts, a regression gate.",
    ),
    "baseline": ("memload.analysis.history.baselines:baseline", "Save a run as a named baseline; list them."),
    "history": (
        "memload.analysis.history.cli:history",
        "Every run of a scenario in the results folder: key figures over runs, baselines marked.",
    ),
    "audit": (
        "memload.checks.cli:audit",
        "Read back a run's acknowledged writes from the service: lost writes, resurrected deletes.",
    ),
    "soak": (
        "memload.analysis.cli:soak",
        "The report of a long run with its soak analysis: leaks, latency drift, error bursts.",
    ),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module_name, _, attribute = COMMANDS[cmd_name][0].partition(":")
        return getattr(importlib.import_module(module_name), attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="memload")
def main() -> None:
    """memload: load tests for AI memory services (memory creation, search, LLM and RAG).

    Quick start: `memload run smoke` starts the built-in reference target, runs the smoke
    scenario with Locust and writes results/<UTC time>_smoke/.
    """
