"""summary.json: every figure by address, the thresholds with their results, the steady window,
warnings and a schema version. The machine-readable twin of report.md."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from memload import names as C
from memload.analysis.figures.analyse import Analysis
from memload.analysis.figures.llm import DEFINITIONS, slo_of, slo_text
from memload.scenario.thresholds import ThresholdResult

SUMMARY_SCHEMA_VERSION = 1
_RUN_KEYS = (
    C.RUN_SCENARIO_NAME,
    C.RUN_EXIT_STATUS,
    C.RUN_STARTED_AT,
    C.RUN_ENDED_AT,
    C.RUN_HOST,
    C.RUN_TARGET,
    C.RUN_WORKERS,
    C.RUN_VERSIONS,
    C.RUN_GIT_COMMIT,
)


def _number(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else value


def threshold_entry(result: ThresholdResult) -> dict[str, Any]:
    threshold = result.threshold
    return {
        "address": threshold.address,
        "condition": threshold.condition,
        "op": threshold.op,
        "limit": threshold.limit,
        "measured": _number(result.measured),
        "passed": result.passed,
    }


def _llm_keys(analysis: Analysis) -> dict[str, Any]:
    source = analysis.source.token_source()
    if source is None:
        return {}
    return {
        "llm": {
            "definitions": dict(DEFINITIONS),
            "token_source": source.text,
            "llm_requests": source.llm_requests,
            "tokens_from_usage": source.from_usage,
            "slo": slo_of(analysis.data.meta),
            "goodput_note": slo_text(slo_of(analysis.data.meta)),
            "breakdowns": analysis.source.llm_breakdowns(),
        }
    }


def summary_dict(analysis: Analysis) -> dict[str, Any]:
    """The summary.json document (see docs/analysis.md for its schema)."""
    window, meta = analysis.window, analysis.data.meta
    return {
        "schema_version": SUMMARY_SCHEMA_VERSION,
        "verdict": analysis.verdict,
        "exit_code": analysis.exit_code,
        "run": {"dir": analysis.data.run_dir.name, **{k: meta.get(k) for k in _RUN_KEYS}},
        "window": {
            "run_start_unix": window.run_start_unix,
            "run_end_unix": window.run_end_unix,
            "warmup_s": window.warmup_s,
            "start_unix": window.start_unix,
            "end_unix": window.end_unix,
            "duration_s": window.duration_s,
            "load_start_unix": window.load_start_s,
            "load_end_unix": window.load_end_s,
            **analysis.source.window_keys(),
        },
        "percentile_method": sorted(analysis.requests.percentile_methods),
        "operations": {
            scope: {"types": analysis.requests.types.get(scope, [])} for scope in analysis.requests.scopes
        },
        "figures": {address: analysis.figures[address] for address in sorted(analysis.figures)},
        "thresholds": [threshold_entry(result) for result in analysis.results],
        "notices": analysis.integrity.notices,
        "warnings": list(analysis.warnings),
        "diagnosis": {
            "saturated": list(analysis.saturated),  # the bottleneck hint (shown when a threshold fails)
            "stalls": [
                {
                    "start_unix": s.start_unix,
                    "end_unix": s.end_unix,
                    "rps": s.rps,
                    "typical_rps": s.typical_rps,
                    "cause": s.cause(),
                    "text": s.describe(window.run_start_unix),
                }
                for s in analysis.stalls
            ],
        },
        **_llm_keys(analysis),
    }


def write_summary(analysis: Analysis, path: Path) -> dict[str, Any]:
    document = summary_dict(analysis)
    path.write_text(json.dumps(document, indent=2, allow_nan=False, default=str) + "\n", encoding="utf-8")
    return document
