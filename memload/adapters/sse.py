"""Moved to memload.adapters.openai_compat; this name stays only for imports not yet updated."""

from memload.adapters.openai_compat import StreamStats, iter_sse_data, read_chat_stream

__all__ = ["StreamStats", "iter_sse_data", "read_chat_stream"]
