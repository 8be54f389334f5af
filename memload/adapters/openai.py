"""Any OpenAI-compatible server (OpenAI, vLLM, llama.cpp, LiteLLM …): chat completions, streamed
or not, and embeddings. ``--host`` is the server's root (the adapter adds ``/v1/...``) or, as the
OpenAI SDK's ``base_url`` is written, a URL ending in ``/v1`` (the adapter adds ``/chat/completions``);
the API key comes from OPENAI_API_KEY and is sent as a bearer token, never written anywhere."""

from __future__ import annotations

from urllib.parse import urlsplit

from memload.adapters import openai_compat
from memload.adapters.base import Adapter, AdapterOptions, HttpClient
from memload.adapters.openai_stream import StreamStats


def api_prefix(base_url: str | None) -> str:
    """What goes between ``--host`` and ``/chat/completions``: ``/v1`` after a server's root,
    nothing after a base URL that ends in ``/v1`` (a trailing slash is allowed either way)."""
    path = urlsplit(base_url or "").path
    prefix = "" if path.rstrip("/").endswith("/v1") else "/v1"
    return prefix[1:] if path.endswith("/") else prefix  # the client joins host and path as text


class OpenAIAdapter(Adapter):
    name = "openai"
    api_key_env = "OPENAI_API_KEY"

    def __init__(self, client: HttpClient, *, options: AdapterOptions) -> None:
        super().__init__(client, options=options)
        base_url = getattr(client, "base_url", None) or ""
        self.prefix = api_prefix(base_url)
        self.trailing_slash = base_url.endswith("/")

    def path(self, endpoint: str) -> str:
        return f"{self.prefix}/{endpoint}" if self.prefix or not self.trailing_slash else endpoint

    def llm_chat(self, messages: list[dict[str, str]]) -> StreamStats | None:
        return openai_compat.chat(self, messages, path=self.path("chat/completions"))

    def embed(self, texts: list[str]) -> None:
        openai_compat.embed(self, texts, path=self.path("embeddings"))
