"""report.md: the verdict and the tables in Markdown, for CI step summaries and PR comments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from memload import names as C
from memload.analysis.figures.analyse import Analysis
from memload.analysis.writers.capacity_tables import model_lines, steps_table
from memload.analysis.writers.series_tables import series_table
from memload.analysis.writers.soak_tables import soak_context
from memload.analysis.writers.tables import (
    Table,
    definitions_table,
    llm_output_table,
    llm_table,
    metadata_table,
    operations_table,
    percentile_note,
    process_table,
    requests_note,
    thresholds_table,
    window_line,
)

VERDICT_ICONS = {"PASS": "✅", "FAIL": "❌", "INCOMPLETE": "⚠️"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(table: Table) -> str:
    lines = [
        "| " + " | ".join(_cell(h) for h in table.header) + " |",
        "|" + "|".join(" --- " for _ in table.header) + "|",
    ]
    for index, row in enumerate(table.rows):
        cells = [_cell(c) for c in row]
        if index in table.failed_rows:
            cells = [f"**{c}**" for c in cells]
        lines.append("| " + " | ".join(cells) + " |")
    if table.notes:
        lines += [""] + [f"{_cell(note)}  " for note in table.notes]
    return "\n".join(lines)


def _soak_parts(soak: dict[str, Any]) -> list[str]:
    parts = [f"### {soak['heading']}", f"**{_cell(soak['verdict'])}**", markdown_table(soak["trends"])]
    if soak["windows"].rows:
        parts.append(markdown_table(soak["windows"]))
    parts.append(_cell(soak["bursts_line"]))
    if soak["bursts"].rows:
        parts.append(markdown_table(soak["bursts"]))
    return parts + [_cell(soak["drift"]), *map(_cell, soak["notes"])]


def render_markdown(analysis: Analysis) -> str:
    scenario = analysis.data.meta.get(C.RUN_SCENARIO_NAME) or analysis.data.run_dir.name
    icon = VERDICT_ICONS.get(analysis.verdict, "ℹ️")
    failed = sum(1 for r in analysis.results if not r.passed)
    capacity = analysis.capacity
    soak = soak_context(analysis.soak, analysis.window.run_start_unix)
    parts = [
        f"## memload: {scenario}: {icon} {analysis.verdict}",
        *([f"**Capacity: {_cell(capacity.answer)}**"] if capacity is not None else []),
        f"{len(analysis.results)} threshold(s), {failed} failed; run `{analysis.data.run_dir.name}`.",
        window_line(analysis),
        *(f"> **{_cell(notice)}**" for notice in analysis.integrity.notices),
        *([f"**Why:** {_cell('; '.join(analysis.bottleneck))}"] if analysis.bottleneck else []),
        *(f"> **{_cell(s.describe(analysis.window.run_start_unix))}**" for s in analysis.stalls),
    ]
    if capacity is not None:
        parts += ["### Capacity", markdown_table(steps_table(capacity)), *map(_cell, model_lines(capacity))]
    if soak is not None:
        parts += _soak_parts(soak)
    if analysis.results:
        parts += ["### Thresholds", markdown_table(thresholds_table(analysis))]
    note = f"{percentile_note(analysis)} {requests_note(analysis)}".strip()
    parts += ["### Operations", note, markdown_table(operations_table(analysis))]
    llm = llm_table(analysis)
    if llm.rows:
        parts += [
            "### LLM streaming",
            markdown_table(llm),
            markdown_table(llm_output_table(analysis)),
            "Definitions:",
            "\n".join(f"- `{_cell(r[0])}`: {_cell(r[1])}" for r in definitions_table(analysis).rows),
        ]
    processes = process_table(analysis)
    if processes.rows:
        parts += ["### Processes", markdown_table(processes)]
    if (series := series_table(analysis)).rows:
        parts += ["### The service's own series ([monitor])", markdown_table(series)]
    if analysis.warnings:
        parts += ["### Warnings", "\n".join(f"- {_cell(w)}" for w in analysis.warnings)]
    parts += [
        "<details><summary>Run metadata</summary>\n",
        markdown_table(metadata_table(analysis)),
        "</details>",
    ]
    return "\n\n".join(parts) + "\n"


def write_markdown(analysis: Analysis, path: Path) -> None:
    path.write_text(render_markdown(analysis), encoding="utf-8")
