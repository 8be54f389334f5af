"""A baseline run against a candidate run: every figure of every operation both runs have (and
``total``), the overall verdict, and the settings that differ (which make the runs incomparable
unless forced)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from memload import names as C
from memload.analysis.compare.limits import LimitSet
from memload.analysis.compare.resources import PROCESS_FIGURES
from memload.analysis.compare.samples import FIGURES, LLM_FIGURES, RunSamples, ScopeSamples, run_samples
from memload.analysis.compare.stats import (
    DEFAULT_LIMITS,
    Change,
    Limits,
    compare_figure,
    compare_figure_runs,
    overall_verdict,
)
from memload.analysis.read.intervals import TOTAL

# run.json's resolved scenario: the settings that must match, as (label, path of keys)
SETTINGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("scenario", ("name",)),
    ("seed", ("seed",)),
    ("mix", ("mix",)),
    ("users", ("load", "users")),
    ("shape", ("load", "shape")),
    ("duration_s", ("load", "duration_s")),
    ("rate", ("arrival", "rate")),
)
_MISSING = object()


@dataclass(frozen=True, kw_only=True)
class Difference:
    setting: str
    baseline: Any
    candidate: Any


@dataclass(frozen=True, kw_only=True)
class Row:
    scope: str  # an operation or "total"
    change: Change

    @property
    def address(self) -> str:
        return f"{self.scope}.{self.change.figure}"


@dataclass(frozen=True, kw_only=True)
class ComparisonTable:
    baseline_dir: Path
    candidate_dir: Path
    rows: tuple[Row, ...]
    verdict: str  # "regressed", "improved" or "~"
    differences: tuple[Difference, ...]  # settings that differ: incomparable without --force
    only_baseline: tuple[str, ...]  # operations of one run only (not compared)
    only_candidate: tuple[str, ...]
    warnings: tuple[str, ...] = ()

    @property
    def comparable(self) -> bool:
        return not self.differences


def _setting(meta: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    value: Any = meta.get(C.RUN_SCENARIO)
    for key in keys:
        if not isinstance(value, Mapping) or key not in value:
            return _MISSING
        value = value[key]
    return value


def setting_differences(baseline: Mapping[str, Any], candidate: Mapping[str, Any]) -> tuple[Difference, ...]:
    """Settings of two run.json files that differ (the scenario name falls back to
    ``scenario_name``); a setting neither run has is not a difference."""
    found = []
    for label, keys in SETTINGS:
        a, b = _setting(baseline, keys), _setting(candidate, keys)
        if label == "scenario":
            a = baseline.get(C.RUN_SCENARIO_NAME, _MISSING) if a is _MISSING else a
            b = candidate.get(C.RUN_SCENARIO_NAME, _MISSING) if b is _MISSING else b
        if a != b:
            found.append(
                Difference(
                    setting=label,
                    baseline=None if a is _MISSING else a,
                    candidate=None if b is _MISSING else b,
                )
            )
    return tuple(found)


PROCESS_SCOPE = "target"


def figures_of(a: ScopeSamples, b: ScopeSamples) -> list[str]:
    """The request figures (always), then the LLM and process figures either run has."""
    present = set(a.samples) | set(b.samples) | set(a.whole) | set(b.whole)
    if a.scope == PROCESS_SCOPE:
        return [f for f in PROCESS_FIGURES if f in present]
    return [*FIGURES, *(f for f in LLM_FIGURES if f in present)]


def compare_samples(
    baseline: RunSamples,
    candidate: RunSamples,
    limits: Limits | LimitSet = DEFAULT_LIMITS,
    *,
    more_baselines: Sequence[RunSamples] = (),
    more_candidates: Sequence[RunSamples] = (),
) -> ComparisonTable:
    """Rows for every operation both runs have, then ``total``, then ``target`` (when both runs
    have its samples): the figures of ``FIGURES`` in order, then LLM and process figures. With
    ``more_*`` runs (several runs a side, the same number each), each run is one sample of its
    whole-window value (stats.compare_figure_runs) and the scopes are those every run has."""
    limit_set = limits if isinstance(limits, LimitSet) else LimitSet(overall=limits)
    sides = ([baseline, *more_baselines], [candidate, *more_candidates])
    several = len(sides[0]) > 1 or len(sides[1]) > 1
    every = set.intersection(*(set(run.scopes) for run in (*sides[0], *sides[1])))
    shared = sorted(every - {TOTAL, PROCESS_SCOPE})
    rows = []
    for scope in [*shared, TOTAL, PROCESS_SCOPE]:
        if scope not in every:
            continue
        a, b = baseline.scopes[scope], candidate.scopes[scope]
        for figure in figures_of(a, b):
            address = f"{scope}.{figure}"
            if several:
                change = compare_figure_runs(
                    figure,
                    [run.scopes[scope].whole.get(figure, math.nan) for run in sides[0]],
                    [run.scopes[scope].whole.get(figure, math.nan) for run in sides[1]],
                    limits=limit_set.for_address(address),
                )
            else:
                change = compare_figure(
                    figure,
                    a.samples.get(figure, []),
                    b.samples.get(figure, []),
                    baseline=a.whole.get(figure),
                    candidate=b.whole.get(figure),
                    limits=limit_set.for_address(address),
                )
            rows.append(Row(scope=scope, change=change))
    differences = {
        d: None for run in (*sides[0][1:], *sides[1]) for d in setting_differences(baseline.meta, run.meta)
    }
    return ComparisonTable(
        baseline_dir=baseline.run_dir,
        candidate_dir=candidate.run_dir,
        rows=tuple(rows),
        verdict=overall_verdict([row.change for row in rows]),
        differences=tuple(differences),
        only_baseline=tuple(sorted(set(baseline.scopes) - every)),
        only_candidate=tuple(sorted(set(candidate.scopes) - every)),
        warnings=tuple(f"baseline: {w}" for run in sides[0] for w in run.warnings)
        + tuple(f"candidate: {w}" for run in sides[1] for w in run.warnings),
    )


def compare_runs(
    baseline_dir: Path, candidate_dir: Path, limits: Limits | LimitSet = DEFAULT_LIMITS
) -> ComparisonTable:
    """Load both run directories and compare them (a ReportError when one cannot be read)."""
    return compare_samples(run_samples(Path(baseline_dir)), run_samples(Path(candidate_dir)), limits)
