"""memload: load tests for AI memory services, on Locust.

The names an adapter author needs are exported lazily (``from memload import Adapter``), so that
``import memload`` stays light and never imports Locust or gevent.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "Adapter": "memload.adapters.base",
    "AdapterOptions": "memload.adapters.base",
    "HttpClient": "memload.adapters.base",
    "StreamStats": "memload.adapters.openai_stream",
}
__all__ = ["Adapter", "AdapterOptions", "HttpClient", "StreamStats", "__version__"]

if TYPE_CHECKING:
    from memload.adapters.base import Adapter, AdapterOptions, HttpClient
    from memload.adapters.openai_stream import StreamStats


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'memload' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
