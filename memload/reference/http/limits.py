"""Every limit the reference target puts on its input, in one place (docs/target.md lists them).

The connection limits are options of ``memload serve``; the field limits are fixed. Sizes of
text are counted in characters except memory content and metadata, which are counted in bytes
of UTF-8 (and JSON). This module imports nothing heavy, so ``memload serve`` can check its
options before monkey-patching.
"""

from __future__ import annotations

from dataclasses import dataclass

KIB = 1024
MIB = 1024 * KIB

# Connections and requests (options of `memload serve`).
DEFAULT_MAX_BODY_BYTES = 1 * MIB
DEFAULT_IDLE_TIMEOUT_S = 60.0
DEFAULT_REQUEST_TIMEOUT_S = 30.0
MAX_HEADER_BYTES = 64 * KIB  # all request header lines together (the request line: gevent's 8 KiB)

# JSON bodies.
MAX_JSON_DEPTH = 32  # objects and arrays nested in one another; the body object is level 1

# Fields.
MAX_ID_CHARS = 256  # user_id, namespace, model, role, encoding_format
MAX_CONTENT_BYTES = 64 * KIB  # a memory's content; its metadata serialised as JSON
MAX_QUERY_CHARS = 64 * KIB  # a search query, a RAG question
MAX_BATCH_ITEMS = 256
MAX_TOP_K = 100
MAX_PAGE = 1000
MAX_EMBEDDING_INPUTS = 2048
MAX_EMBEDDING_INPUT_CHARS = 32 * KIB  # one input (about OpenAI's 8,192 tokens)
MAX_EMBEDDING_TOTAL_CHARS = 256 * KIB  # all inputs of one request
MAX_MESSAGES = 256
MAX_CONTENT_PARTS = 64  # parts of one message's content
MAX_PROMPT_CHARS = 256 * KIB  # all messages of one chat request
MAX_OUTPUT_TOKENS = 128 * KIB  # max_tokens, max_completion_tokens: 1 to this


@dataclass(frozen=True, kw_only=True)
class ConnectionLimits:
    """How much a client may send, and how long it may take.

    ``idle_timeout_s``: a connection that waits this long for its next request, or for its
    client to take a 256 KiB slice of a response, is closed. ``request_timeout_s``: a request's line,
    headers and body must all arrive within this from its first byte (a 408 otherwise).
    """

    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    idle_timeout_s: float = DEFAULT_IDLE_TIMEOUT_S
    request_timeout_s: float = DEFAULT_REQUEST_TIMEOUT_S

    def __post_init__(self) -> None:
        if self.max_body_bytes < 1:
            raise ValueError("max_body_bytes must be at least 1")
        if not (self.idle_timeout_s > 0 and self.request_timeout_s > 0):
            raise ValueError("timeouts must be positive")
