"""A scenario's ``[llm]`` table: the model (or a mix of models), what each chat request asks for,
how a 429 is honoured, the embeddings batch, and the per-request SLOs that goodput counts.

```toml
[llm]
model = "gpt-3.5-turbo"                      # or a mix, each chat request drawing one by weight:
models = { "gpt-4" = 1, "gpt-3.5-turbo" = 3 }
stream = true
max_tokens = 64                              # or max_completion_tokens = 64 (sent under that name)
ignore_eos = false                           # vLLM: generate exactly the limit
honour_retry_after = true                    # a 429's Retry-After: the user that got it waits ...
max_retry_after = "60s"                      # ... at most this long
embed_batch = 1                              # texts per embeddings request
slo = { ttft_ms = 500, tpot_ms = 50 }        # per request; goodput counts requests meeting all
```
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from memload.scenario.tables import TableReader

LLM_KEYS = (
    "model",
    "models",
    "stream",
    "max_tokens",
    "max_completion_tokens",
    "ignore_eos",
    "temperature",
    "embed_model",
    "embed_batch",
    "honour_retry_after",
    "max_retry_after",
    "slo",
)
# per-request SLOs: each an upper bound in ms on one figure of the request (itl_ms: its largest gap)
SLO_FIELDS = ("ttft_ms", "ttfot_ms", "tpot_ms", "itl_ms", "e2e_ms")
MAX_EMBED_BATCH = 2048  # OpenAI's limit of inputs per embeddings request


@dataclass(frozen=True, kw_only=True)
class LlmOptions:
    model: str = "fast"
    models: dict[str, float] = field(default_factory=dict)  # a mix; empty: every request asks `model`
    stream: bool = True
    max_tokens: int = 64
    max_completion_tokens: int | None = None
    ignore_eos: bool = False
    temperature: float = 0.0
    embed_model: str = "fast"
    embed_batch: int = 1
    honour_retry_after: bool = True
    max_retry_after_s: float = 60.0
    slo: dict[str, float] = field(default_factory=dict)

    @property
    def model_names(self) -> list[str]:
        """Every model a chat request may ask for."""
        return [m for m, weight in self.models.items() if weight > 0] or [self.model]


def parse_llm(reader: TableReader) -> LlmOptions:
    reader.keys_checked(LLM_KEYS)
    defaults = LlmOptions()
    if "max_tokens" in reader.raw and "max_completion_tokens" in reader.raw:
        raise reader.error("max_completion_tokens", "give max_tokens or max_completion_tokens, not both")
    completion = reader.raw.get("max_completion_tokens")
    return LlmOptions(
        model=reader.str("model", default=defaults.model),
        models=_weights(reader.table("models")),
        stream=reader.bool("stream", default=defaults.stream),
        max_tokens=reader.int("max_tokens", default=defaults.max_tokens, minimum=1),
        max_completion_tokens=None if completion is None else reader.int("max_completion_tokens", minimum=1),
        ignore_eos=reader.bool("ignore_eos", default=defaults.ignore_eos),
        temperature=reader.number("temperature", default=defaults.temperature, minimum=0.0),
        embed_model=reader.str("embed_model", default=defaults.embed_model),
        embed_batch=reader.int(
            "embed_batch", default=defaults.embed_batch, minimum=1, maximum=MAX_EMBED_BATCH
        ),
        honour_retry_after=reader.bool("honour_retry_after", default=defaults.honour_retry_after),
        max_retry_after_s=reader.duration("max_retry_after", default=defaults.max_retry_after_s),
        slo=_slo(reader.table("slo")),
    )


def _weights(reader: TableReader) -> dict[str, float]:
    weights = {name: reader.number(name, minimum=0.0) for name in reader.raw}
    if weights and not any(w > 0 for w in weights.values()):
        raise reader.error(None, "needs at least one model with a weight > 0")
    return weights


def _slo(reader: TableReader) -> dict[str, float]:
    reader.keys_checked(SLO_FIELDS)
    slo = {name: reader.number(name, minimum=0.0) for name in reader.raw}
    for name, limit in slo.items():
        if limit <= 0:
            raise reader.error(name, f"must be a number of ms above 0, got {limit:g}")
    return slo


def llm_from_dict(data: dict[str, Any]) -> LlmOptions:
    return LlmOptions(**data)


def slo_passes(slo: dict[str, float], llm: dict[str, Any]) -> bool:
    """Whether one LLM request met every per-request SLO (``[llm] slo``; ``itl_ms``: its largest gap)."""
    for name, limit in slo.items():
        value = llm.get(name)
        if name == "itl_ms":
            value = max(value) if value else None
        if value is None or float(value) > limit:
            return False
    return True
