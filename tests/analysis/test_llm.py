"""LLM streaming figures, thresholds, tables, definitions and plots from memload's files."""
from __future__ import annotations

import json
from html import unescape
import random
from pathlib import Path

import numpy as np
import pytest

from memload.analysis.figures.analyse import analyse
from memload.analysis.figures.llm import DEFINITIONS, TokenSource
from memload.analysis.plots.llm import plot_tokens_per_s, plot_ttft
from memload.analysis.plots.kit import THRESHOLD_GID_PREFIX
from memload.analysis.report import write_report
from memload.analysis.plots.series import Series, TimeAxis
from memload.scenario.thresholds import parse_thresholds
from memload.loadgen.histograms import new_histogram, to_recorded

from analysis_testkit import T0, hist_row, make_run, write_interval_files

THRESHOLDS = {"llm_chat.ttft_p95_ms": "< 300", "total.output_tokens_per_s": "> 10", "llm_chat.goodput_rps": "> 1"}


def _llm_samples(seed: int = 2) -> tuple[list, list]:
    """20 streamed chats a second in T0+10 .. T0+30: TTFT ~150 ms, 9 gaps of ~10 ms, 10 tokens."""
    rng = random.Random(seed)
    samples, counts = [], []
    for i in range(400):
        at = T0 + 10 + i * 0.05
        ttft = rng.lognormvariate(np.log(150.0), 0.25)
        gaps = [rng.uniform(8.0, 12.0) for _ in range(9)]
        e2e = ttft + sum(gaps)
        samples += [(at, "llm_chat", "response_ms", e2e), (at, "llm_chat", "ttft_ms", ttft),
                    (at, "llm_chat", "e2e_ms", e2e), (at, "llm_chat", "tpot_ms", (e2e - ttft) / 9),
                    (at, "llm_chat", "output_tokens_per_s", 10 / (e2e / 1000.0))]
        samples += [(at, "llm_chat", "itl_ms", gap) for gap in gaps]
        counts += [(at, "llm_chat", "output_tokens", 10), (at, "llm_chat", "llm_requests", 1)]
        if i % 4:
            counts.append((at, "llm_chat", "tokens_from_usage", 1))
        if ttft < 200:  # the run's [llm] slo: ttft_ms <= 200 (SLO below)
            counts.append((at, "llm_chat", "goodput", 1))
    return samples, counts


SLO = {"ttft_ms": 200}


@pytest.fixture
def llm_run(tmp_path: Path) -> tuple[Path, list, list]:
    samples, counts = _llm_samples()
    rows = [hist_row(T0 + k, name, 20 * k, type_="POST") for k in range(1, 31) for name in ("llm_chat", "Aggregated")]
    run_dir = make_run(tmp_path / "run", rows, warmup_s=10.0, start_unix=float(T0), end_unix=float(T0 + 30.5),
                       thresholds=THRESHOLDS, scenario={"llm": {"slo": SLO}})
    write_interval_files(run_dir, samples, counts)
    return run_dir, samples, counts


def _hdr(samples, metric: str):
    histogram = new_histogram()
    for _, _, m, value in samples:
        if m == metric:
            histogram.record_value(to_recorded(m, value))
    return histogram


def test_llm_figures_by_address(llm_run) -> None:
    run_dir, samples, counts = llm_run
    figures = analyse(run_dir).figures
    for name in ("ttft", "itl", "tpot", "e2e"):
        reference = _hdr(samples, f"{name}_ms")
        assert figures[f"llm_chat.{name}_ms"] == pytest.approx(reference.get_mean_value() / 1000.0, rel=1e-9)
        for label, percent in (("p50", 50), ("p90", 90), ("p95", 95), ("p99", 99), ("p999", 99.9)):
            assert figures[f"llm_chat.{name}_{label}_ms"] == reference.get_value_at_percentile(percent) / 1000.0
            assert figures[f"total.{name}_{label}_ms"] == figures[f"llm_chat.{name}_{label}_ms"]
    covered = 20.0  # intervals T0+10 and T0+20, load until T0+31 (the last row with users, + 1 s)
    assert figures["llm_chat.output_tokens"] == 10.0
    assert figures["llm_chat.output_tokens_per_s"] == pytest.approx(4000 / covered)
    goodput = sum(amount for _, _, counter, amount in counts if counter == "goodput")
    assert figures["llm_chat.goodput_rps"] == pytest.approx(goodput / covered)
    assert figures["llm_chat.slo_met_ratio"] == pytest.approx(goodput / 400)
    assert "search.ttft_ms" not in figures  # LLM figures exist only for the LLM scopes


def test_without_a_stated_slo_there_is_no_goodput_and_the_report_says_why(llm_run) -> None:
    run_dir, _, _ = llm_run
    meta = json.loads((run_dir / "run.json").read_text())
    meta["scenario"] = {"llm": {"slo": {}}}
    meta["thresholds"] = {"llm_chat.ttft_p95_ms": "< 300"}
    (run_dir / "run.json").write_text(json.dumps(meta))
    outcome = write_report(run_dir)
    assert not any(address.endswith(("goodput_rps", "slo_met_ratio")) for address in outcome.figures)
    md = (outcome.report_dir / "report.md").read_text()
    assert "no per-request SLO stated ([llm] slo): goodput is not measured" in md


def test_a_threshold_on_an_llm_figure_gets_a_value(llm_run) -> None:
    run_dir, _, _ = llm_run
    outcome = write_report(run_dir)
    measured = {r.threshold.address: r.measured for r in outcome.results}
    assert measured["llm_chat.ttft_p95_ms"] == outcome.figures["llm_chat.ttft_p95_ms"] > 150
    assert outcome.verdict == "PASS"
    summary = json.loads((outcome.report_dir / "summary.json").read_text())
    assert summary["llm"]["token_source"] == "mixed: usage chunk for 300 of 400 requests, content chunks counted for the rest"
    assert summary["llm"]["definitions"]["tpot_ms"].startswith("(e2e − ttft) / (output_tokens − 1), per request")
    assert summary["llm"]["slo"] == SLO


def test_reports_have_the_llm_table_the_definitions_and_the_token_source(llm_run) -> None:
    run_dir, _, _ = llm_run
    outcome = write_report(run_dir)
    md = (outcome.report_dir / "report.md").read_text()
    assert "### LLM streaming" in md and "| llm_chat | ttft_ms |" in md
    assert "- `token source`: mixed: usage chunk for 300 of 400 requests" in md
    html = (outcome.report_dir / "report.html").read_text()
    assert "<h2>LLM streaming (steady window)</h2>" in html and "<h3>Definitions</h3>" in html
    for name, text in DEFINITIONS:
        assert name in html and text in unescape(html)
    assert "ttft_ms ≤ 200" in md  # the SLO goodput counts, stated
    # 400 requests: too few for p99.9 (1,000), which prints "—" with the reason, as the operations do
    ttft_row = next(line for line in md.splitlines() if line.startswith("| llm_chat | ttft_ms |"))
    assert ttft_row.rstrip(" |").endswith("—") and "— p99.9: fewer than 1,000 samples" in md
    plots = {p.name for p in (outcome.report_dir / "plots").iterdir()}
    assert {"ttft_llm_chat.png", "output_tokens_per_s.png"} <= plots


def test_token_source_wording() -> None:
    assert TokenSource(llm_requests=5, from_usage=5).text == "usage chunk (all 5 requests)"
    assert TokenSource(llm_requests=5, from_usage=0).text.startswith("content chunks counted")


AXIS = TimeAxis.for_run(float(T0), 60.0)
TIMES = T0 + np.arange(5.0, 60.0, 10.0)


def _threshold_ys(ax) -> dict[str, float]:
    return {line.get_gid()[len(THRESHOLD_GID_PREFIX):]: line.get_ydata()[0] for line in ax.get_lines()
            if (line.get_gid() or "").startswith(THRESHOLD_GID_PREFIX)}


def test_ttft_plot_draws_its_percentiles_and_threshold() -> None:
    lines = {label: Series(t_unix=TIMES, values=np.full(TIMES.size, value), label=label)
             for label, value in (("p50", 150.0), ("p95", 220.0), ("p99", 320.0))}
    (ax,) = plot_ttft(AXIS, "llm_chat", lines, warmup_s=10.0,
                      thresholds=parse_thresholds({"llm_chat.ttft_p95_ms": "< 2000", "search.p95_ms": "< 5"})).axes
    drawn = {line.get_label(): line for line in ax.get_lines()}
    assert list(drawn["TTFT p95"].get_ydata()) == [220.0] * TIMES.size
    assert _threshold_ys(ax) == {"llm_chat.ttft_p95_ms": 2000.0} and ax.get_ylim()[1] >= 2000
    assert "HDR histograms" in ax.get_title() and ax.get_ylabel() == "time to first token (ms)"


def test_tokens_per_second_plot() -> None:
    rates = {"llm_chat": Series(t_unix=TIMES, values=np.full(TIMES.size, 200.0), label="llm_chat")}
    (ax,) = plot_tokens_per_s(AXIS, rates, warmup_s=0.0,
                              thresholds=parse_thresholds({"llm_chat.output_tokens_per_s": "> 100"})).axes
    assert [line.get_label() for line in ax.get_lines()][0] == "llm_chat"
    assert _threshold_ys(ax) == {"llm_chat.output_tokens_per_s": 100.0}
    assert ax.get_ylabel() == "output tokens/s"


def test_llm_figures_per_model_and_by_cache_answer_without_counting_twice(tmp_path: Path) -> None:
    """Two models, the server saying HIT or MISS (X-Cache): each breakdown has its own figures,
    and the operation's and the total's figures count every request once."""
    samples, counts = [], []
    for i in range(200):
        at = T0 + 10 + i * 0.1
        model, cache = ("gpt-4", "miss") if i % 4 == 0 else ("gpt-3.5-turbo", "hit" if i % 2 else "miss")
        ttft = 900.0 if model == "gpt-4" else (4.0 if cache == "hit" else 150.0)
        samples.append((at, "llm_chat", "response_ms", ttft + 100))
        for scope in ("llm_chat", f"llm_chat|model={model}", f"llm_chat|cache={cache}"):
            samples.append((at, scope, "ttft_ms", ttft))
            counts += [(at, scope, "llm_requests", 1), (at, scope, "output_tokens", 10)]
    counts += [(T0 + 12, "embed", "embed_docs", 400), (T0 + 12, "embed", "requests", 50),
               (T0 + 15, "llm_chat", "rate_limited", 3)]
    samples += [(T0 + 15, "llm_chat", "retry_wait_ms", 1000.0)] * 3
    rows = [hist_row(T0 + k, name, 10 * k, type_="POST") for k in range(1, 31) for name in ("llm_chat", "Aggregated")]
    run_dir = make_run(tmp_path / "run", rows, warmup_s=10.0, start_unix=float(T0), end_unix=float(T0 + 30.5),
                       thresholds={"llm_chat|model=gpt-3.5-turbo.ttft_p95_ms": "< 200"})
    write_interval_files(run_dir, samples, counts)
    outcome = write_report(run_dir)
    figures = outcome.figures
    assert figures["llm_chat.requests"] == 200 and figures["total.requests"] == 250
    assert figures["total.output_tokens_per_s"] == figures["llm_chat.output_tokens_per_s"]
    assert figures["llm_chat|model=gpt-4.ttft_p50_ms"] == pytest.approx(900.0, rel=1e-3)
    assert figures["llm_chat|model=gpt-3.5-turbo.ttft_p95_ms"] == pytest.approx(150.0, rel=1e-3)
    assert figures["llm_chat|cache=hit.ttft_p99_ms"] == pytest.approx(4.0, rel=1e-3)
    assert figures["llm_chat|cache=miss.output_tokens"] == 10.0
    assert "llm_chat|model=gpt-4.requests" not in figures  # breakdowns carry LLM figures only
    assert figures["embed.docs_per_s"] == pytest.approx(400 / 20.0)
    assert figures["llm_chat.rate_limited"] == 3 and figures["llm_chat.retry_wait_s"] == pytest.approx(3.0, rel=1e-3)  # HDR: 3 digits
    assert [r.passed for r in outcome.results] == [True]
    md = (outcome.report_dir / "report.md").read_text()
    assert "| llm_chat\\|cache=hit | ttft_ms | 4 ms |" in md  # a row per breakdown ("|" escaped)
    assert "Retry-After waited (s)" in md
    from memload.analysis.read.intervals import load_interval_files  # what the rate plots and soak sum over

    files = load_interval_files(run_dir, [])
    assert not any("|" in str(scope) for scope in files.counts["scope"].unique())
    assert set(files.breakdown_counts["scope"].astype(str)) == {
        "llm_chat|model=gpt-4", "llm_chat|model=gpt-3.5-turbo", "llm_chat|cache=hit", "llm_chat|cache=miss"}
