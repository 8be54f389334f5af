"""A whole `memload run` with the openai adapter against the reference service: the recorder's
LLM breakdowns and counters reach the report (per model, goodput at a stated SLO, texts embedded).
A real run of ~15 s: marked slow (make test-slow), as the other long proofs."""
from __future__ import annotations

import json

import pytest

from memload_cli import only_run_dir, run_memload

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SCENARIO = """
name = "openai-models"
description = "two models, batched embeddings, a per-request SLO"
target = "openai"
seed = 3
warmup = "2s"
[load]
users = 4
spawn_rate = 4
duration = "14s"
[pacing]
wait = "constant"
seconds = 0.05
[mix]
llm_chat = 4
embed = 1
[llm]
models = { "fast" = 1, "gpt-3.5-turbo" = 1 }
embed_model = "fast"
embed_batch = 5
temperature = 0.7
slo = { ttft_ms = 100 }
"""


def test_a_models_mix_run_reports_every_llm_figure_per_model(tmp_path):
    scenario = tmp_path / "models.toml"
    scenario.write_text(SCENARIO)
    result = run_memload("run", str(scenario), "--out", str(tmp_path / "out"), "--quiet")
    assert result.returncode in (0, 1), result.stderr[-2000:]
    summary = json.loads((only_run_dir(tmp_path / "out") / "report" / "summary.json").read_text())
    figures = summary["figures"]
    fast, slow = "llm_chat|model=fast", "llm_chat|model=gpt-3.5-turbo"
    assert sorted(summary["llm"]["breakdowns"]) == sorted([fast, slow])
    # gpt-3.5-turbo's TTFT is a quarter of its 0.6 s e2e median; the fast profile's is milliseconds
    assert figures[f"{fast}.ttft_p50_ms"] < 50 < 100 < figures[f"{slow}.ttft_p50_ms"] < 250
    assert figures[f"{fast}.slo_met_ratio"] > 0.9 > 0.3 > figures[f"{slow}.slo_met_ratio"]
    assert summary["llm"]["slo"] == {"ttft_ms": 100.0}
    chats = figures["llm_chat.requests"]
    assert figures["total.requests"] == chats + figures["embed.requests"]  # breakdowns not counted again
    assert figures["embed.docs_per_s"] == pytest.approx(5 * figures["embed.rps"])
