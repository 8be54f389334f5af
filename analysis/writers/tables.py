"""The tables of the reports as rows of strings, shared by report.md and report.html."""

from __future__ import annotations

import json
from dataclasses import dataclass

from memload import names as C
from memload.analysis.figures.analyse import Analysis
from memload.analysis.figures.llm import DEFINITIONS, LLM_TABLE_METRICS, slo_of, slo_text
from memload.analysis.figures.requests import min_requests_for
from memload.analysis.writers.fmt import format_value
from memload.scenario.figures import PERCENTILES

OPERATION_COLUMNS: dict[str, str] = {
    "requests": "requests",
    "failures": "failures",
    "error_rate": "error rate",
    "rps": "req/s",
    "avg_ms": "avg",
    "p50_ms": "p50",
    "p95_ms": "p95",
    "p99_ms": "p99",
    "p999_ms": "p99.9",
    "max_ms": "max",
}
OPEN_MODEL_COLUMNS: dict[str, str] = {"queue_ms": "queue (mean)", "dropped": "dropped"}
RATE_LIMIT_COLUMNS: dict[str, str] = {"rate_limited": "429s", "retry_wait_s": "Retry-After waited (s)"}
LLM_PERCENTS: tuple[str, ...] = ("p50", "p90", "p95", "p99", "p999")
MAX_TRACEBACK_CHARS = 4000


NOT_SHOWN = "—"  # a percentile with too few samples to say more than the maximum


@dataclass(frozen=True, kw_only=True)
class Table:
    header: list[str]
    rows: list[list[str]]
    failed_rows: frozenset[int] = frozenset()  # row indexes to highlight
    notes: tuple[str, ...] = ()  # footnotes printed under the table


def thresholds_table(analysis: Analysis) -> Table:
    rows, failed = [], set()
    for index, result in enumerate(analysis.results):
        address = result.threshold.address
        rows.append(
            [
                address,
                result.threshold.condition,
                format_value(address, result.measured),
                "pass" if result.passed else "FAIL",
            ]
        )
        if not result.passed:
            failed.add(index)
    return Table(
        header=["figure", "condition", "measured", "result"], rows=rows, failed_rows=frozenset(failed)
    )


def operations_table(analysis: Analysis) -> Table:
    requests = analysis.requests
    columns = dict(OPERATION_COLUMNS)
    if analysis.source.open_model:
        columns.update(OPEN_MODEL_COLUMNS)
    if any(address.endswith(".rate_limited") for address in analysis.figures):
        columns.update(RATE_LIMIT_COLUMNS)
    rows: list[list[str]] = []
    hidden: set[str] = set()
    for scope in requests.scopes:
        types = "/".join(requests.types.get(scope, [])) or "-"
        cells = [scope, types]
        for metric in columns:
            short = _too_few(analysis, scope, metric)
            cells.append(_cell(analysis, f"{scope}.{metric}", short=short, hidden=hidden, key=metric))
        rows.append(cells)
    notes = tuple(
        f"{NOT_SHOWN} {columns[metric]}: fewer than {min_requests_for(PERCENTILES[metric[:-3]]):,} requests "
        "in the steady window, too few for this percentile to say more than the maximum (the figure is "
        "still in summary.json)"
        for metric in columns
        if metric in hidden
    )
    return Table(header=["operation", "type"] + list(columns.values()), rows=rows, notes=notes)


def _cell(analysis: Analysis, address: str, *, short: bool, hidden: set[str], key: str) -> str:
    """A figure's table cell: "—" (and ``key`` noted in ``hidden``) for a percentile with too few
    samples to say more than the maximum."""
    value = analysis.figures.get(address)
    if value is not None and short:
        hidden.add(key)
        return NOT_SHOWN
    return format_value(address, value)


def _too_few(analysis: Analysis, scope: str, metric: str) -> bool:
    """A percentile of a scope whose window has fewer requests than it needs."""
    label = metric[:-3] if metric.endswith("_ms") else ""
    if label not in PERCENTILES:
        return False
    requests = analysis.figures.get(f"{scope}.requests") or 0.0
    return requests < min_requests_for(PERCENTILES[label])


def window_line(analysis: Analysis) -> str:
    """What the figures cover, for the report's first lines: the steady window's start and end."""
    window, view = analysis.window, analysis.view
    line = window.describe().capitalize()
    if view is not None and view.intervals.size:
        first = max(float(view.intervals.min()), window.load_start_s)  # the load starts inside it
        last = float(view.intervals.max()) + C.INTERVAL_S
        start = window.run_start_unix
        line += (
            f". Request figures come from whole {C.INTERVAL_S} s intervals: +{first - start:.1f} s to "
            f"+{min(last, window.load_end_s) - start:.1f} s, {view.covered_s:.1f} s of load (the load's "
            "start is known to 1 s)"
        )
    return line + "."


def requests_note(analysis: Analysis) -> str:
    """How many of the run's requests the steady window holds (the console's table is the whole
    run), when memload's counts say so."""
    intervals = analysis.data.intervals
    window = analysis.figures.get("total.requests")
    if intervals is None or window is None:
        return ""
    whole = float(intervals.counts[C.IC_REQUESTS].sum())
    return (
        f"The steady window holds {window:,.0f} of the run's {whole:,.0f} requests (the table "
        "`memload run` prints covers the whole run)."
    )


def percentile_note(analysis: Analysis) -> str:
    """One sentence on where the table's percentiles and counts come from."""
    return analysis.source.note(analysis.requests, analysis.window)


def _llm_table_scopes(analysis: Analysis) -> list[str]:
    """LLM scopes to show: ``total`` only when more than one operation streamed; then each model
    (when several were asked) and cache hits and misses (when the server said: X-Cache)."""
    scopes = analysis.source.llm_scopes()
    return (scopes if len(scopes) > 2 else scopes[:1]) + analysis.source.llm_breakdowns()


def llm_table(analysis: Analysis) -> Table:
    """TTFT, ITL, TPOT and e2e per LLM scope: mean and percentiles (ms)."""
    header = ["scope", "figure", "mean"] + [p.replace("p999", "p99.9") for p in LLM_PERCENTS]
    rows: list[list[str]] = []
    hidden: set[str] = set()
    for scope in _llm_table_scopes(analysis):
        for name in LLM_TABLE_METRICS:
            samples = _samples(analysis, scope, f"{name}_ms")
            cells = [
                scope,
                f"{name}_ms",
                format_value(f"{scope}.{name}_ms", analysis.figures.get(f"{scope}.{name}_ms")),
            ]
            for p in LLM_PERCENTS:
                short = samples < min_requests_for(PERCENTILES[p])
                cells.append(_cell(analysis, f"{scope}.{name}_{p}_ms", short=short, hidden=hidden, key=p))
            rows.append(cells)
    notes = tuple(
        f"{NOT_SHOWN} {p.replace('p999', 'p99.9')}: fewer than {min_requests_for(PERCENTILES[p]):,} "
        "samples of the figure in the steady window, too few for this percentile to say more than "
        "the maximum (summary.json keeps the value)"
        for p in LLM_PERCENTS
        if p in hidden
    )
    return Table(header=header, rows=rows, notes=notes)


def _samples(analysis: Analysis, scope: str, metric: str) -> int:
    """Values of ``metric`` in ``scope``'s histogram of the steady window (0 without histograms)."""
    view = analysis.source.view
    counts = view.histogram(scope, metric) if view is not None else None
    return int(counts.sum()) if counts is not None else 0


def llm_output_table(analysis: Analysis) -> Table:
    """LLM requests, output (and reasoning) tokens per request and per second, and goodput (requests
    meeting every per-request SLO of ``[llm] slo``) per LLM scope."""
    slo = slo_of(analysis.data.meta)
    rows = []
    for scope in _llm_table_scopes(analysis):
        counters = analysis.source.counters(scope)
        tokens = analysis.figures.get(f"{scope}.output_tokens")
        reasoning = analysis.figures.get(f"{scope}.reasoning_tokens")
        rows.append(
            [
                scope,
                f"{counters.get('llm_requests', 0.0):,.0f}",
                "n/a" if tokens is None else f"{tokens:.1f}",
                "n/a" if reasoning is None else f"{reasoning:.1f}",
                format_value(
                    f"{scope}.output_tokens_per_s", analysis.figures.get(f"{scope}.output_tokens_per_s")
                ),
                format_value(f"{scope}.goodput_rps", analysis.figures.get(f"{scope}.goodput_rps")),
                f"{counters.get('goodput', 0.0):,.0f}" if slo else "no SLO stated",
            ]
        )
    return Table(
        header=[
            "scope",
            "LLM requests",
            "output tokens/request",
            "of which reasoning",
            "output tokens/s",
            "goodput",
            "requests meeting every SLO",
        ],
        rows=rows,
    )


def definitions_table(analysis: Analysis) -> Table:
    """The LLM definitions memload uses (shared/design.md), and where output tokens came from."""
    source = analysis.source.token_source()
    if source is None:
        return Table(header=[], rows=[])
    rows = [[name, text] for name, text in DEFINITIONS]
    rows.append(["token source", source.text])
    rows.append(["goodput SLO", slo_text(slo_of(analysis.data.meta))])
    return Table(header=["figure", "definition"], rows=rows)


def process_table(analysis: Analysis) -> Table:
    rows = []
    for scope in ("target", "loadgen"):
        metrics = ("cpu_pct", "cpu_pct_max", "rss_mb", "num_fds", "threads", "cache_hit_rate")
        values = [format_value(f"{scope}.{m}", analysis.figures.get(f"{scope}.{m}")) for m in metrics]
        if any(v != "n/a" for v in values):
            rows.append([scope] + values)
    return Table(
        header=["scope", "CPU mean", "CPU peak", "RSS peak", "fds peak", "threads peak", "cache hit rate"],
        rows=rows,
    )


def failures_table(analysis: Analysis) -> Table:
    """Locust's failures (messages normalised by memload: ids, times, numbers replaced), with the
    first full message of each when memload kept one (failure_examples.csv)."""
    frame, examples = analysis.data.failures, analysis.data.failure_examples
    first = (
        {}
        if examples is None
        else {(str(r[C.FX_NAME]), str(r[C.FX_ERROR])): str(r[C.FX_EXAMPLE]) for _, r in examples.iterrows()}
    )
    rows = []
    for _, r in frame.iterrows() if frame is not None else ():
        row = [str(r[C.FAIL_METHOD]), str(r[C.FAIL_NAME]), str(r[C.FAIL_ERROR])]
        row.append(f"{r[C.FAIL_OCCURRENCES]:,.0f}")
        rows.append(row + ([first.get((row[1], row[2]), "")] if first else []))
    header = ["method", "operation", "error", "occurrences"]
    return Table(header=header + (["first full message"] if first else []), rows=rows)


def exceptions_table(analysis: Analysis) -> Table:
    frame = analysis.data.exceptions
    rows = (
        []
        if frame is None
        else [
            [
                f"{r[C.EXC_COUNT]:,.0f}",
                str(r[C.EXC_MESSAGE]),
                str(r[C.EXC_TRACEBACK])[:MAX_TRACEBACK_CHARS],
                str(r[C.EXC_NODES]),
            ]
            for _, r in frame.iterrows()
        ]
    )
    return Table(header=["count", "message", "traceback", "nodes"], rows=rows)


def metadata_table(analysis: Analysis) -> Table:
    meta, window = analysis.data.meta, analysis.window
    rows = [["run directory", analysis.data.run_dir.name]]
    for key in C.RUN_METADATA_KEYS:
        if key in meta:
            value = meta[key]
            rows.append([key, value if isinstance(value, str) else json.dumps(value, sort_keys=True)])
    rows.append(
        [
            "steady window",
            f"{window.duration_s:.1f} s (run {window.run_duration_s:.1f} s; first user "
            f"{window.load_start_s - window.run_start_unix:.1f} s after the start, warm-up "
            f"{window.warmup_s:g} s excluded, load ended {window.load_end_s - window.run_start_unix:.1f} s "
            "after the start)",
        ]
    )
    methods = ", ".join(sorted(analysis.requests.percentile_methods)) or "n/a"
    rows.append(["percentiles from", methods])
    rows.extend(analysis.source.metadata_rows(window))
    return Table(header=["key", "value"], rows=rows)
