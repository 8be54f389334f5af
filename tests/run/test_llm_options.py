"""The [llm] table (memload.scenario.llm), a 429's Retry-After (memload.adapters.rate_limits), the
OpenAI adapter's base URL, the request body, and the per-request SLO that goodput counts."""
from __future__ import annotations

import email.utils

import pytest

from memload.adapters.base import AdapterOptions
from memload.adapters.openai import api_prefix
from memload.adapters.openai_compat import chat_body, using_model
from memload.adapters.rate_limits import retry_after_s
from memload.scenario import ScenarioError, parse_scenario
from memload.scenario.llm import slo_passes

BASE = {"load": {"users": 1, "duration": "10s"}, "mix": {"llm_chat": 1}, "target": "openai"}


def scenario_with(llm: dict):
    return parse_scenario({**BASE, "llm": llm}, source="x.toml")


def test_llm_table_reads_models_limits_retry_and_slo():
    llm = scenario_with({"models": {"gpt-4": 1, "gpt-3.5-turbo": 3}, "max_completion_tokens": 32,
                         "ignore_eos": True, "honour_retry_after": False, "max_retry_after": "5s",
                         "embed_batch": 8, "slo": {"ttft_ms": 500, "tpot_ms": 50}}).llm
    assert llm.models == {"gpt-4": 1.0, "gpt-3.5-turbo": 3.0} and llm.model_names == ["gpt-4", "gpt-3.5-turbo"]
    assert llm.max_completion_tokens == 32 and llm.ignore_eos and not llm.honour_retry_after
    assert llm.max_retry_after_s == 5.0 and llm.embed_batch == 8 and llm.slo == {"ttft_ms": 500, "tpot_ms": 50}


@pytest.mark.parametrize(("llm", "message"), [
    ({"max_tokens": 8, "max_completion_tokens": 8}, "not both"),
    ({"models": {"a": 0}}, "weight > 0"),
    ({"slo": {"ttft_p95_ms": 5}}, "llm.slo.ttft_p95_ms: unknown key"),
    ({"slo": {"ttft_ms": 0}}, "above 0"),
    ({"embed_batch": 0}, "at least 1"),
])
def test_llm_table_errors_name_the_key(llm, message):
    with pytest.raises(ScenarioError, match=message):
        scenario_with(llm)


def test_chat_body_asks_for_the_drawn_model_and_the_limit_under_its_name():
    options = AdapterOptions(model="m", max_completion_tokens=16, ignore_eos=True)
    messages = [{"role": "user", "content": "hi"}]
    body = chat_body(options, messages)
    assert body["model"] == "m" and body["max_completion_tokens"] == 16 and "max_tokens" not in body
    assert body["ignore_eos"] is True and body["stream_options"] == {"include_usage": True}
    with using_model("other"):
        assert chat_body(options, messages)["model"] == "other"
    plain = chat_body(AdapterOptions(stream=False), messages)
    assert plain["max_tokens"] == 64 and "ignore_eos" not in plain and "stream_options" not in plain


@pytest.mark.parametrize(("base_url", "prefix"), [
    ("http://127.0.0.1:8001", "/v1"), ("http://127.0.0.1:8001/v1", ""), ("http://h/openai/v1", ""),
    ("http://127.0.0.1:8001/", "v1"), ("http://127.0.0.1:8001/v1/", ""),
])
def test_host_may_be_the_server_root_or_the_sdk_base_url(base_url, prefix):
    assert api_prefix(base_url) == prefix


def test_retry_after_as_the_openai_sdk_reads_it():
    now = 1_700_000_000.0
    assert retry_after_s({"retry-after": "2"}) == 2.0
    assert retry_after_s({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert retry_after_s({"retry-after": email.utils.formatdate(now + 3)}, now_unix=now) == pytest.approx(3.0)
    assert retry_after_s({"retry-after": "soon"}) is None and retry_after_s({}) is None


def test_slo_is_met_only_when_every_bound_holds():
    slo = {"ttft_ms": 500.0, "itl_ms": 100.0}
    assert slo_passes(slo, {"ttft_ms": 120.0, "itl_ms": [20.0, 90.0]})
    assert not slo_passes(slo, {"ttft_ms": 120.0, "itl_ms": [20.0, 130.0]})
    assert not slo_passes(slo, {"ttft_ms": 501.0, "itl_ms": []})
    assert not slo_passes(slo, {"ttft_ms": None, "itl_ms": [1.0]})  # no token at all: not met


def test_the_shipped_openai_scenario_asks_only_what_an_openai_server_does():
    from memload.adapters.registry import operations_of
    from memload.scenario import load_scenario

    scenario = load_scenario("openai")
    assert scenario.target == "openai" and set(scenario.mix) <= operations_of("openai")
    assert scenario.llm.slo == {"ttft_ms": 500.0, "tpot_ms": 50.0} and scenario.llm.embed_batch > 1
    llm = load_scenario("llm")  # the reference's LLM scenario states SLOs and TTFT/TPOT thresholds too
    assert llm.llm.slo and {"llm_chat.ttft_p95_ms", "llm_chat.tpot_p95_ms"} <= set(llm.thresholds)
