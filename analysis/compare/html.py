"""compare.html: one self-contained file (styles inline, plots as base64 PNG data URIs, nothing
fetched); the template lives here so that a plain ``pip install .`` ships it."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from pathlib import Path

import jinja2

from memload.analysis.compare.outputs import HEADER, headline, row_cells
from memload.analysis.compare.report import Comparison, label_of
from memload.analysis.compare.stats import IMPROVED, REGRESSED
from memload.analysis.plots.plotset import Plot

TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>memload compare: {{ verdict }}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1100px;
 padding:1rem 1.5rem;color:#222;line-height:1.4}
h1{font-size:1.5rem} h2{margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
.verdict{font-size:1.4rem;font-weight:700;padding:.8rem 1rem;border-radius:6px;margin:1rem 0}
.pass{background:#e3f6e5;color:#0f5e1c;border:2px solid #2e9e45}
.fail{background:#fde4e4;color:#8a1010;border:2px solid #d12c2c}
.notice{font-weight:600;background:#fff0d9;border-left:6px solid #e08a00;padding:.5rem 1rem;margin:.5rem 0}
table{border-collapse:collapse;margin:.5rem 0;font-size:.85rem}
th,td{border:1px solid #ccc;padding:.2rem .4rem;text-align:left;white-space:nowrap}
th{background:#f3f4f6} tr.improved td{background:#e3f6e5} tr.regressed td{background:#fde4e4}
tr.fails td{font-weight:700} figure{margin:1rem 0} figure img{max-width:100%;border:1px solid #eee}
figcaption{font-size:.85rem;color:#555} .muted{color:#666} .scroll{overflow-x:auto}
</style></head><body>
<h1>memload compare</h1>
<div class="verdict {{ 'fail' if exit_code else 'pass' }}">{{ headline }}</div>
<p>Baseline: <code>{{ baseline }}</code></p>
<p class="muted">Samples: {{ method.samples }}. Test: {{ method.test }}, alpha {{ method.alpha }}.
Interval: {{ method.interval }}. A figure is {{ method.verdict }}.</p>
{% for c in candidates %}
<h2>{{ c.label }}: {{ c.verdict }}</h2>
<p class="muted">{{ c.dir }}</p>
{% if c.differences %}<div class="notice">Settings that differ (compared with --force):
{{ c.differences }}</div>{% endif %}
{% for w in c.warnings %}<p class="muted">warning: {{ w }}</p>{% endfor %}
<div class="scroll"><table><thead><tr>{% for h in header %}<th>{{ h }}</th>{% endfor %}</tr></thead><tbody>
{% for row in c.rows %}<tr class="{{ row.css }}">
{% for cell in row.cells %}<td>{{ cell }}</td>{% endfor %}</tr>
{% endfor %}</tbody></table></div>
{% endfor %}
<h2>Plots</h2>
{% for plot in plots %}<figure><img alt="{{ plot.title }}" src="data:image/png;base64,{{ plot.data }}">
<figcaption>{{ plot.title }} (plots/{{ plot.file_name }})</figcaption></figure>
{% endfor %}
</body></html>
"""


def _css(verdict: str, fails: bool) -> str:
    return " ".join(
        filter(None, (verdict if verdict in (IMPROVED, REGRESSED) else "", "fails" if fails else ""))
    )


def render_html(comparison: Comparison, plots: Sequence[Plot]) -> str:
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    candidates = [
        {
            "label": label_of(c.samples),
            "dir": str(c.samples.run_dir),
            "verdict": c.table.verdict,
            "differences": "; ".join(
                f"{d.setting} {d.baseline!r} -> {d.candidate!r}" for d in c.table.differences
            ),
            "warnings": list(c.table.warnings),
            "rows": [
                {"cells": row_cells(row), "css": _css(row.change.verdict, row.change.fails)}
                for row in c.table.rows
            ],
        }
        for c in comparison.candidates
    ]
    return environment.from_string(TEMPLATE).render(
        verdict=comparison.verdict,
        exit_code=comparison.exit_code,
        headline=headline(comparison),
        baseline=str(comparison.baseline.run_dir),
        method=comparison.method(),
        candidates=candidates,
        header=HEADER,
        plots=[
            {"title": p.title, "file_name": p.file_name, "data": base64.b64encode(p.png).decode("ascii")}
            for p in plots
        ],
    )


def write_html(comparison: Comparison, plots: Sequence[Plot], path: Path) -> Path:
    path.write_text(render_html(comparison, plots), encoding="utf-8")
    return path
