"""report.html: one self-contained file (styles inline, plots as base64 PNG data URIs, nothing
fetched). The template lives here, not in a separate file, so that a plain ``pip install .``
ships it without package data."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2

from memload import names as C
from memload.analysis.capacity.concurrency import settle_fraction_of
from memload.analysis.figures.analyse import Analysis
from memload.analysis.plots.plotset import Plot, shown_in_report
from memload.analysis.writers.capacity_tables import model_lines, steps_table
from memload.analysis.writers.series_tables import series_table
from memload.analysis.writers.soak_tables import soak_context
from memload.analysis.writers.tables import (
    definitions_table,
    exceptions_table,
    failures_table,
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

TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>memload report: {{ scenario }} ({{ verdict }})</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1100px;
 padding:1rem 1.5rem;color:#222;line-height:1.4}
h1{font-size:1.5rem;margin-bottom:.2rem} h2{margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
.verdict{font-size:1.6rem;font-weight:700;padding:.8rem 1rem;border-radius:6px;margin:1rem 0}
.PASS{background:#e3f6e5;color:#0f5e1c;border:2px solid #2e9e45}
.FAIL{background:#fde4e4;color:#8a1010;border:2px solid #d12c2c}
.NONE{background:#eef0f3;color:#333;border:2px solid #999}
.INCOMPLETE{background:#fff0d9;color:#7a4100;border:2px solid #e08a00}
.answer{font-size:1.2rem;font-weight:600;background:#eef6ff;border-left:6px solid #1f77b4;
 padding:.6rem 1rem;margin:.8rem 0}
.notice{font-weight:600;background:#fff0d9;border-left:6px solid #e08a00;padding:.5rem 1rem;margin:.5rem 0}
table{border-collapse:collapse;margin:.5rem 0;font-size:.85rem}
th,td{border:1px solid #ccc;padding:.2rem .4rem;text-align:left;vertical-align:top;white-space:nowrap}
td pre,.wrap td{white-space:pre-wrap;word-break:break-word}
th{background:#f3f4f6} td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.failed td{background:#fde4e4;font-weight:600}
.warnings li{margin:.2rem 0}
.warnings{background:#fff8e1;border:1px solid #f0c36d;padding:.5rem 1.5rem;border-radius:6px}
figure{margin:1rem 0} figure img{max-width:100%;border:1px solid #eee}
figcaption{font-size:.85rem;color:#555} pre{white-space:pre-wrap;font-size:.8rem;margin:0}
.muted{color:#666} .scroll{overflow-x:auto;max-width:100%}
</style></head>
<body>
<h1>memload report: {{ scenario }}</h1>
<div class="muted">{{ run_dir }}</div>
<div class="window">{{ window_line }}</div>
{% if capacity %}<div class="answer">Capacity: {{ capacity.answer }}</div>{% endif %}
<div class="verdict {{ verdict_class }}">{{ verdict }}: {{ headline }}</div>
{% if soak %}<div class="{{ 'notice' if soak.leak else 'answer' }}">Soak: {{ soak.verdict }}</div>{% endif %}
{% for notice in notices %}<div class="notice">{{ notice }}</div>
{% endfor %}
{% if bottleneck %}<div class="notice">Why: <ul>{% for line in bottleneck %}<li>{{ line }}</li>
{% endfor %}</ul></div>{% endif %}
{% if stalls %}<div class="notice">Stalls: <ul>{% for line in stalls %}<li>{{ line }}</li>
{% endfor %}</ul></div>{% endif %}
{% if warnings %}
<h2>Warnings</h2><ul class="warnings">{% for w in warnings %}<li>{{ w }}</li>{% endfor %}</ul>{% endif %}
{% macro render(table, pre_columns=(), css="") %}
<div class="scroll"><table class="{{ css }}"><thead><tr>{% for h in table.header %}
<th>{{ h }}</th>{% endfor %}</tr></thead><tbody>
{% for row in table.rows %}<tr{% if loop.index0 in table.failed_rows %} class="failed"{% endif %}>
{% for cell in row %}{% if loop.index0 in pre_columns %}
<td><pre>{{ cell }}</pre></td>{% else %}<td>{{ cell }}</td>{% endif %}{% endfor %}</tr>
{% endfor %}</tbody></table></div>
{% for note in table.notes %}<p class="muted">{{ note }}</p>{% endfor %}
{% endmacro %}
{% if capacity %}<h2>Capacity (each step after its first {{ capacity.settle }})</h2>
{{ render(capacity.steps) }}{% for line in capacity.model %}<p>{{ line }}</p>{% endfor %}{% endif %}
{% if soak %}<h2>{{ soak.heading }}</h2><p><strong>{{ soak.verdict }}</strong></p>
<h3>Resource trends (after the warm-up)</h3>{{ render(soak.trends) }}
{% if soak.windows.rows %}<h3>Per window</h3>{{ render(soak.windows) }}{% endif %}
<h3>Error bursts</h3><p>{{ soak.bursts_line }}</p>
{% if soak.bursts.rows %}{{ render(soak.bursts, css="wrap") }}{% endif %}
<h3>Latency drift</h3><p>{{ soak.drift }}</p>
{% for note in soak.notes %}<p class="muted">{{ note }}</p>{% endfor %}{% endif %}
<h2>Thresholds</h2>
{% if thresholds.rows %}{{ render(thresholds) }}{% else %}<p>The scenario sets no thresholds.</p>{% endif %}
<h2>Operations (steady window)</h2>
<p class="muted">{{ percentile_note }} {{ requests_note }}</p>
{{ render(operations) }}
{% if llm.rows %}<h2>LLM streaming (steady window)</h2>{{ render(llm) }}{{ render(llm_output) }}
<h3>Definitions</h3>{{ render(definitions, css="wrap") }}{% endif %}
{% if processes.rows %}<h2>Processes (steady window)</h2>{{ render(processes) }}{% endif %}
{% if series.rows %}<h2>The service's own series ([monitor])</h2>{{ render(series) }}{% endif %}
<h2>Plots</h2>
{% for plot in plots %}<figure><img alt="{{ plot.title }}" src="data:image/png;base64,{{ plot.data }}">
<figcaption>{{ plot.title }} (plots/{{ plot.file_name }})</figcaption></figure>
{% else %}<p>No plots.</p>{% endfor %}
{% if linked_plots %}<p class="muted">One plot per operation: {% for plot in linked_plots %}
<a href="plots/{{ plot.file_name }}">{{ plot.file_name }}</a>{{ ", " if not loop.last }}{% endfor %}
</p>{% endif %}
<h2>Failures</h2>
{% if failures.rows %}{{ render(failures, css="wrap") }}{% else %}<p>No failures recorded.</p>{% endif %}
<h2>Exceptions</h2>
{% if exceptions.rows %}{{ render(exceptions, (2,), "wrap") }}{% else %}
<p>No exceptions recorded.</p>{% endif %}
<h2>Run metadata</h2>
{{ render(metadata, css="wrap") }}
</body></html>
"""


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )


def capacity_context(analysis: Analysis) -> dict[str, Any] | None:
    capacity = analysis.capacity
    if capacity is None:
        return None
    settle = f"{settle_fraction_of(analysis.data.meta) * 100:.0f} %"
    return {
        "answer": capacity.answer,
        "steps": steps_table(capacity),
        "model": model_lines(capacity),
        "settle": settle,
    }


def render_html(analysis: Analysis, plots: Sequence[Plot]) -> str:
    failed = sum(1 for r in analysis.results if not r.passed)
    verdict = analysis.verdict
    headline = (
        f"{len(analysis.results) - failed} of {len(analysis.results)} thresholds pass"
        if analysis.results
        else "no thresholds set; exit code 0"
    )
    return (
        _environment()
        .from_string(TEMPLATE)
        .render(
            scenario=analysis.data.meta.get(C.RUN_SCENARIO_NAME) or analysis.data.run_dir.name,
            run_dir=str(analysis.data.run_dir),
            verdict=verdict,
            headline=headline,
            verdict_class=verdict if verdict in ("PASS", "FAIL", "INCOMPLETE") else "NONE",
            notices=analysis.integrity.notices,
            bottleneck=analysis.bottleneck,
            stalls=[s.describe(analysis.window.run_start_unix) for s in analysis.stalls],
            capacity=capacity_context(analysis),
            soak=soak_context(analysis.soak, analysis.window.run_start_unix),
            warnings=[w for w in analysis.warnings if not w.startswith("stall at +")],  # shown above
            thresholds=thresholds_table(analysis),
            operations=operations_table(analysis),
            processes=process_table(analysis),
            series=series_table(analysis),
            percentile_note=percentile_note(analysis),
            requests_note=requests_note(analysis),
            window_line=window_line(analysis),
            llm=llm_table(analysis),
            llm_output=llm_output_table(analysis),
            definitions=definitions_table(analysis),
            failures=failures_table(analysis),
            exceptions=exceptions_table(analysis),
            metadata=metadata_table(analysis),
            plots=[
                {"title": p.title, "file_name": p.file_name, "data": base64.b64encode(p.png).decode("ascii")}
                for p in shown_in_report(list(plots))
            ],
            linked_plots=[p for p in plots if p not in shown_in_report(list(plots))],
        )
    )


def write_html(analysis: Analysis, plots: Sequence[Plot], path: Path) -> None:
    path.write_text(render_html(analysis, plots), encoding="utf-8")
