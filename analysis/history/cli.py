"""``memload history [SCENARIO]``: every run of a scenario in the results folder as a table (date,
commit, key figures, verdict) and a plot of the key figures over runs with the baselines marked,
so that a slow drift across releases shows. Writes RESULTS/history/history.md and history.png."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click
import numpy as np
from matplotlib.figure import Figure

from memload import names as C
from memload.analysis.history.baselines import HistoryUsageError
from memload.analysis.history.runs import KEY_FIGURES, HistoryRun, analyse_history, find_runs
from memload.analysis.plots.kit import finish, new_figure, save_png, scope_color
from memload.analysis.writers.fmt import format_value

HEADER = (
    "run started",
    "scenario",
    "run",
    "commit",
    "baseline",
    *(f"total.{f}" for f in KEY_FIGURES),
    "report",
    "verdict",
)
PLOTTED = (("rps", "requests/s", 1.0), ("p95_ms", "p95 (ms)", 1.0), ("error_rate", "errors (%)", 100.0))


def row_of(run: HistoryRun) -> tuple[str, ...]:
    verdict = (
        f"{run.verdict} vs {run.compared_with}"
        if run.compared_with
        else (run.verdict or "no baseline before it")
    )
    return (
        str(run.meta.get(C.RUN_STARTED_AT) or ""),
        run.scenario,
        run.path.name,
        str(run.meta.get(C.RUN_GIT_COMMIT) or "")[:10],
        ", ".join(run.baselines),
        *(format_value(f"total.{f}", run.figures.get(f)) for f in KEY_FIGURES),
        run.report_verdict,
        verdict,
    )


def markdown(runs: Sequence[HistoryRun], title: str) -> str:
    lines = [f"## memload history: {title}", "", "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row_of(run)) + " |" for run in runs]
    return "\n".join(lines) + "\n"


def plot_history(runs: Sequence[HistoryRun], title: str) -> Figure:
    """The key figures against the run's order, one line per scenario; baselines as stars, named."""
    figure, axes = new_figure(rows=len(PLOTTED), height_in=8.0)
    scenarios = sorted({r.scenario for r in runs})
    x = np.arange(len(runs))
    for ax, (name, label, scale) in zip(axes, PLOTTED):
        for scenario in scenarios:
            index = [i for i, r in enumerate(runs) if r.scenario == scenario and name in r.figures]
            values = [runs[i].figures[name] * scale for i in index]
            color = scope_color(scenario, scenarios)
            ax.plot(x[index], values, marker="o", markersize=4, label=scenario, color=color)
            marked = [(i, v) for i, v in zip(index, values) if runs[i].baselines]
            if marked:
                ax.plot(
                    [i for i, _ in marked],
                    [v for _, v in marked],
                    marker="*",
                    markersize=14,
                    linestyle="none",
                    color=color,
                    label=f"{scenario}: baseline",
                    gid=f"baseline:{scenario}:{name}",
                )
                for i, v in marked:
                    ax.annotate(
                        ", ".join(runs[i].baselines),
                        (i, v),
                        textcoords="offset points",
                        xytext=(4, 6),
                        fontsize="small",
                    )
        ax.set_ylim(bottom=0)
        finish(
            ax,
            title=f"{title}: total {name}" if ax is axes[0] else f"total {name}",
            xlabel=None,
            ylabel=label,
        )
    dates = [str(r.meta.get(C.RUN_STARTED_AT) or r.path.name)[:16] for r in runs]
    axes[-1].set_xticks(x, dates, rotation=30, ha="right", fontsize="small")
    figure.subplots_adjust(bottom=0.14)  # room for the slanted dates
    return figure


@click.command("history")
@click.argument("scenario", required=False)
@click.option(
    "--results",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("results"),
    show_default=True,
    help="The results folder to read.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    help="Where history.md and history.png go (default: RESULTS/history/).",
)
def history(scenario: str | None, results: Path, out: Path | None) -> None:
    """Every run of SCENARIO (all scenarios without it) in the results folder, oldest first: date,
    commit, total throughput, p50/p95/p99 and error rate (steady window), the report's verdict and
    the comparison with the newest baseline saved from an earlier run (`memload compare`'s
    statistics); baselines are marked. Prints the table; writes history.md and history.png.
    Exit 2 when there is no such run."""
    warnings: list[str] = []
    runs = analyse_history(find_runs(results, scenario), warnings)
    if not runs:
        raise HistoryUsageError(f"no runs{f' of {scenario!r}' if scenario else ''} in {results}") from None
    title = scenario or "every scenario"
    text = markdown(runs, title)
    out = out or Path(results) / C.HISTORY_DIR
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / C.HISTORY_MD).write_text(text, encoding="utf-8")
        save_png(plot_history(runs, title), out / C.HISTORY_PNG)
    except OSError as error:
        raise HistoryUsageError(f"cannot write {out}: {error.strerror or error}") from None
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    widths = [max(len(h), *(len(row_of(r)[i]) for r in runs)) for i, h in enumerate(HEADER)]
    for cells in [HEADER, *(row_of(r) for r in runs)]:
        click.echo("  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip())
    click.echo(f"history: {out / C.HISTORY_MD}, {out / C.HISTORY_PNG}")
