"""The report of an arrival-rate search (`memload capacity`), from its ``capacity_search.json``:
the answer first, then the projection (``--for-rps``), the probes (each a complete run under
``probes/`` with its own report), and the plot of p95 against the offered rate. Writes
``report/report.html`` (self-contained), ``report.md``, ``summary.json`` (``capacity.*`` figures)
and ``plots/rate_search.png``."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from memload import names as C
from memload.analysis.capacity.answer import CapacityAtSlo, capacity_sentence
from memload.analysis.capacity.plots import plot_rate_search
from memload.analysis.capacity.projection import Projection, instances_for_rps
from memload.analysis.errors import ReportError
from memload.analysis.plots.kit import save_png
from memload.analysis.writers.capacity_tables import probes_table
from memload.analysis.writers.tables import Table
from memload.scenario.thresholds import Threshold, ThresholdError, parse_slo

PLOT_FILE = "rate_search.png"
TEMPLATE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>memload capacity: {{ name }}</title><style>
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:1rem 1.5rem;color:#222}
.answer{font-size:1.25rem;font-weight:600;background:#eef6ff;border-left:6px solid #1f77b4;padding:.6rem 1rem}
table{border-collapse:collapse;font-size:.85rem}
th,td{border:1px solid #ccc;padding:.2rem .4rem;text-align:left}
tr.failed td{background:#fde4e4} img{max-width:100%;border:1px solid #eee} .muted{color:#666}
</style></head><body>
<h1>memload capacity: {{ name }}</h1><div class="muted">{{ run_dir }}</div>
<div class="answer">{{ answer }}</div>
<p>{{ how }}</p>
{% for line in projection %}<p>{{ line }}</p>{% endfor %}
<h2>Probes</h2><table><thead><tr>{% for h in table.header %}<th>{{ h }}</th>{% endfor %}</tr></thead><tbody>
{% for row in table.rows %}<tr{% if loop.index0 in table.failed_rows %} class="failed"{% endif %}>
{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>{% endfor %}</tbody></table>
{% if plot %}<h2>Plot</h2><figure><img alt="p95 against offered rate" src="data:image/png;base64,{{ plot }}">
<figcaption>p95 per probe against the offered rate (plots/{{ plot_file }})</figcaption></figure>{% endif %}
</body></html>
"""


@dataclass(frozen=True, kw_only=True)
class SearchOutcome:
    answer: str
    report_dir: Path
    figures: dict[str, float]
    projection: Projection | None = None


def _slos(document: dict[str, Any]) -> list[Threshold]:
    try:
        return [parse_slo(text) for text in document.get("slos", [])]
    except ThresholdError as error:
        raise ReportError(f"{C.CAPACITY_SEARCH_JSON}: {error}") from None


def search_answer(document: dict[str, Any], slos: list[Threshold]) -> tuple[str, dict[str, float]]:
    probes = document.get("probes", [])
    best = document.get("max_rate_at_slo")
    achieved = [p.get("figures", {}).get("total.rps") for p in probes]
    saturation = max((a for a in achieved if isinstance(a, (int, float))), default=None)
    capacity = None
    figures: dict[str, float] = {}
    if best is not None:
        best_probe = next(p for p in probes if p["rate"] == best and p["passed"])
        rps = best_probe.get("figures", {}).get("total.rps") or float(best)
        capacity = CapacityAtSlo(rps=float(rps), offered_rps=float(best))
        figures["capacity.max_rps_at_slo"] = float(best)
    if saturation is not None:
        figures["capacity.saturation_rps"] = float(saturation)
    return capacity_sentence(capacity, slos, saturation, None), figures


def _plot(document: dict[str, Any], slos: list[Threshold], plots_dir: Path) -> str | None:
    latency = next((s for s in slos if s.address.endswith("_ms")), None)
    probes = document.get("probes", [])
    if latency is None or not probes:
        return None
    values = [p.get("figures", {}).get(latency.address, float("nan")) for p in probes]
    figure = plot_rate_search(
        [p["rate"] for p in probes],
        values,
        [bool(p["passed"]) for p in probes],
        slos=[latency],
        max_rate=document.get("max_rate_at_slo"),
        title=f"arrival-rate search: {latency.address} per probe",
    )
    return base64.b64encode(save_png(figure, plots_dir / PLOT_FILE)).decode()


def _markdown(name: str, answer: str, how: str, projection: list[str], table: Table) -> str:
    lines = [f"## memload capacity: {name}", f"**{answer}**", "", how, *projection, "", "### Probes"]
    lines.append("| " + " | ".join(table.header) + " |")
    lines.append("|" + "|".join(" --- " for _ in table.header) + "|")
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in table.rows]
    return "\n".join(lines) + "\n"


def write_capacity_search_report(
    search_dir: Path, *, for_rps: float | None = None, headroom: float = 0.3
) -> SearchOutcome:
    path = search_dir / C.CAPACITY_SEARCH_JSON
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise ReportError(f"{path}: cannot be read: {error}") from None
    slos = _slos(document)
    answer, figures = search_answer(document, slos)
    projection = None
    if for_rps is not None and "capacity.max_rps_at_slo" in figures:
        projection = instances_for_rps(for_rps, figures["capacity.max_rps_at_slo"], headroom)
    projection_lines = (
        [
            f"{projection.instances} instance(s) for {for_rps:g} req/s with {headroom:.0%} headroom; "
            + "; ".join(projection.assumptions)
        ]
        if projection is not None
        else []
    )
    how = (
        f"Each probe offers a constant rate (open model, latency from the scheduled start) for "
        f"{document.get('probe_duration_s', 0):g} s after a {document.get('probe_warmup_s', 0):g} s warm-up; "
        f"a probe passes when every SLO holds and errors stay at most {document.get('max_error_rate', 0):g}. "
        f"The search {document.get('stop_reason', '')}."
    )
    report_dir = search_dir / C.REPORT_DIR
    plots_dir = report_dir / C.PLOTS_DIR
    plots_dir.mkdir(parents=True, exist_ok=True)
    table = probes_table(document.get("probes", []), [s.address for s in slos])
    plot = _plot(document, slos, plots_dir)
    name = str(document.get("scenario_name", search_dir.name))
    html = (
        jinja2.Environment(autoescape=True)
        .from_string(TEMPLATE)
        .render(
            name=name,
            run_dir=str(search_dir),
            answer=answer,
            how=how,
            projection=projection_lines,
            table=table,
            plot=plot,
            plot_file=PLOT_FILE,
        )
    )
    (report_dir / C.REPORT_HTML).write_text(html)
    (report_dir / C.REPORT_MD).write_text(_markdown(name, answer, how, projection_lines, table))
    summary = {
        "schema_version": 1,
        "answer": answer,
        "figures": figures,
        "slos": document.get("slos", []),
        "exit_status": document.get("exit_status"),
        "probes": len(document.get("probes", [])),
        "instances": None if projection is None else projection.instances,
    }
    (report_dir / C.SUMMARY_JSON).write_text(json.dumps(summary, indent=2) + "\n")
    return SearchOutcome(answer=answer, report_dir=report_dir, figures=figures, projection=projection)
