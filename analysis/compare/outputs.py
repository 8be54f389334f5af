"""compare.json (every row with its numbers), compare.md (a PR comment or CI job summary: the
verdict, the figures that changed, every row folded) and junit.xml (one test case per figure of
each candidate; a real regression beyond its limit is a failure)."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from memload import names as C
from memload.analysis.compare.report import Candidate, Comparison, label_of
from memload.analysis.compare.samples import RunSamples
from memload.analysis.compare.stats import Change
from memload.analysis.compare.table import Row
from memload.analysis.writers.fmt import NA, format_value

SCHEMA_VERSION = 1
HEADER = ("figure", "baseline", "candidate", "change", "95 % CI of the change", "p", "verdict")


def _number(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else value


def change_text(change: Change) -> str:
    return NA if change.change_pct is None else f"{change.change_pct:+.1f} %"


def ci_text(change: Change) -> str:
    if change.ci_low_pct is None or change.ci_high_pct is None:
        return NA
    return f"[{change.ci_low_pct:+.1f} %, {change.ci_high_pct:+.1f} %]"


def verdict_text(change: Change) -> str:
    text = change.verdict
    if change.fails:
        text += " (beyond the limit: FAIL)"
    return f"{text}; {change.note}" if change.note else text


def row_cells(row: Row) -> tuple[str, ...]:
    c = row.change
    return (
        row.address,
        format_value(row.address, c.baseline),
        format_value(row.address, c.candidate),
        change_text(c),
        ci_text(c),
        NA if c.p_value is None else f"{c.p_value:.2g}",
        verdict_text(c),
    )


def _run(run: RunSamples) -> dict[str, Any]:
    meta = run.meta
    return {
        "dir": str(run.run_dir),
        "scenario": meta.get(C.RUN_SCENARIO_NAME),
        "seed": (meta.get(C.RUN_SCENARIO) or {}).get("seed"),
        "started_at": meta.get(C.RUN_STARTED_AT),
        "git_commit": meta.get(C.RUN_GIT_COMMIT),
        "exit_status": meta.get(C.RUN_EXIT_STATUS),
        "steady_window_s": run.window.duration_s,
        "intervals": len(run.intervals),
    }


def _row(row: Row, comparison: Comparison) -> dict[str, Any]:
    c = row.change
    limits = comparison.limits.for_address(row.address)
    return {
        "address": row.address,
        "scope": row.scope,
        "figure": c.figure,
        "baseline": _number(c.baseline),
        "candidate": _number(c.candidate),
        "change_pct": _number(c.change_pct),
        "ci_low_pct": _number(c.ci_low_pct),
        "ci_high_pct": _number(c.ci_high_pct),
        "p_value": c.p_value,
        "n_baseline": c.n_baseline,
        "n_candidate": c.n_candidate,
        "run_noise_pct": c.run_noise_pct,  # None with several runs a side (measured by them)
        "verdict": c.verdict,
        "fails": c.fails,
        "note": c.note,
        "max_regression_pct": limits.max_regression_pct,
        "min_improvement_pct": limits.min_improvement_pct,
    }


def comparison_json(comparison: Comparison) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "verdict": comparison.verdict,
        "exit_code": comparison.exit_code,
        "forced": comparison.forced,
        "method": comparison.method(),
        "baseline": {
            **_run(comparison.baseline),
            "runs": [str(r.run_dir) for r in (comparison.baseline, *comparison.more_baselines)],
        },
        "candidates": [
            {
                **_run(c.samples),
                "runs": [str(r.run_dir) for r in (c.samples, *c.more)],
                "verdict": c.table.verdict,
                "differences": [
                    {"setting": d.setting, "baseline": d.baseline, "candidate": d.candidate}
                    for d in c.table.differences
                ],
                "only_baseline": list(c.table.only_baseline),
                "only_candidate": list(c.table.only_candidate),
                "warnings": list(c.table.warnings),
                "rows": [_row(row, comparison) for row in c.table.rows],
            }
            for c in comparison.candidates
        ],
    }


def write_json(comparison: Comparison, path: Path) -> Path:
    path.write_text(
        json.dumps(comparison_json(comparison), indent=2, allow_nan=False) + "\n", encoding="utf-8"
    )
    return path


def _md_table(rows: list[tuple[str, ...]]) -> list[str]:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    return lines + ["| " + " | ".join(cells) + " |" for cells in rows]


def headline(comparison: Comparison) -> str:
    fails = sum(row.change.fails for c in comparison.candidates for row in c.table.rows)
    if fails:
        return f"{comparison.verdict}: {fails} real regression(s) beyond the limit (exit 1)"
    return f"{comparison.verdict}: no real regression beyond its limit (exit 0)"


def candidate_lines(candidate: Candidate, comparison: Comparison) -> list[str]:
    table = candidate.table
    lines = [f"### {label_of(candidate.samples)}: {table.verdict}", ""]
    if table.differences:
        lines += [
            "Settings that differ (compared with --force): "
            + "; ".join(f"{d.setting} {d.baseline!r} -> {d.candidate!r}" for d in table.differences),
            "",
        ]
    for side, scopes in (("baseline", table.only_baseline), ("candidate", table.only_candidate)):
        if scopes:
            lines += [f"Only in the {side} (not compared): {', '.join(scopes)}", ""]
    changed = [row_cells(row) for row in table.rows if row.change.real]
    lines += _md_table(changed) if changed else ["No figure changed (every figure ~)."]
    lines += ["", "<details><summary>All figures</summary>", ""]
    lines += _md_table([row_cells(row) for row in table.rows]) + ["", "</details>", ""]
    return lines


def render_markdown(comparison: Comparison) -> str:
    method = comparison.method()
    lines = [
        f"## memload compare: {headline(comparison)}",
        "",
        f"Baseline: `{comparison.baseline.run_dir}`; candidates: "
        + ", ".join(f"`{c.samples.run_dir}`" for c in comparison.candidates),
        "",
        f"Samples: {method['samples']}. Test: {method['test']}, alpha {method['alpha']:g}. "
        f"Interval: {method['interval']}. A figure is {method['verdict']}.",
        "",
    ]
    for candidate in comparison.candidates:
        lines += candidate_lines(candidate, comparison)
    return "\n".join(lines)


def write_markdown(comparison: Comparison, path: Path) -> Path:
    path.write_text(render_markdown(comparison), encoding="utf-8")
    return path


def junit_tree(comparison: Comparison) -> ET.ElementTree:
    cases = [(c, row) for c in comparison.candidates for row in c.table.rows]
    failures = sum(row.change.fails for _, row in cases)
    suites = ET.Element("testsuites", name="memload compare", tests=str(len(cases)), failures=str(failures))
    for candidate in comparison.candidates:
        rows = candidate.table.rows
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=f"memload compare: {label_of(candidate.samples)} against {label_of(comparison.baseline)}",
            tests=str(len(rows)),
            failures=str(sum(r.change.fails for r in rows)),
            errors="0",
            skipped="0",
        )
        for row in rows:
            case = ET.SubElement(
                suite, "testcase", classname=f"memload.compare.{row.scope}", name=row.address
            )
            cells = dict(zip(HEADER, row_cells(row)))
            text = (
                f"{cells['baseline']} -> {cells['candidate']}, change {cells['change']} "
                f"(95 % CI {cells['95 % CI of the change']}, p {cells['p']}): {cells['verdict']}"
            )
            if row.change.fails:
                limit = comparison.limits.for_address(row.address).max_regression_pct
                failure = ET.SubElement(
                    case, "failure", type="Regression", message=f"{row.address} regressed beyond {limit:g} %"
                )
                failure.text = text
            else:
                ET.SubElement(case, "system-out").text = text
    ET.indent(suites)
    return ET.ElementTree(suites)


def write_junit(comparison: Comparison, path: Path) -> Path:
    junit_tree(comparison).write(path, encoding="utf-8", xml_declaration=True)
    return path
