"""Any OpenAI-compatible server (OpenAI, vLLM, llama.cpp, LiteLLM …): chat completions, streamed
or not, and embeddings. ``--host`` is the server's root (the adapter adds ``/v1/...``); the API key
comes from OPENAI_API_KEY and is sent as a bearer token, never written anywhere."""

from __future__ import annotations

from memload.adapters import openai_compat
from memload.adapters.base import Adapter
from memload.adapters.openai_compat import StreamStats


class OpenAIAdapter(Adapter):
    name = "openai"
    api_key_env = "OPENAI_API_KEY"

    def llm_chat(self, messages: list[dict[str, str]]) -> StreamStats | None:
        return openai_compat.chat(self, messages, path="/v1/chat/completions")

    def embed(self, texts: list[str]) -> None:
        openai_compat.embed(self, texts, path="/v1/embeddings")
