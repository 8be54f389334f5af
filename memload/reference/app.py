"""The Flask application of the reference target: wiring, auth, faults, metrics, health.

Routes live in ``routes_memories`` (memories and search) and ``routes_llm`` (OpenAI-compatible
LLM endpoints and RAG); this module builds the shared parts and the request hooks.
"""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, Response, g, request

from memload import __version__
from memload.reference.cache import LruTtlCache
from memload.reference.faults import FaultConfig, FaultInjector, InjectedFault
from memload.reference.http.errors import ApiError, json_response, register_error_handlers
from memload.reference.http.limits import DEFAULT_MAX_BODY_BYTES
from memload.reference.llm.completions import ChatEngine, Completion
from memload.reference.llm.profiles import PROFILES
from memload.reference.metrics import EXPOSITION_CONTENT_TYPE, TargetMetrics
from memload.reference.routes.llm import register_llm_routes
from memload.reference.routes.memories import register_memory_routes
from memload.reference.storage.faulty import FaultyStore
from memload.reference.storage.store import MemoryStore

# Endpoints that need no token and get no injected faults.
_EXEMPT_ENDPOINTS = frozenset({"health", "metrics"})


@dataclass(frozen=True, kw_only=True)
class TargetConfig:
    """Everything ``memload serve`` can configure, except where it listens."""

    db_path: Path
    seed: int = 0
    token: str | None = field(default=None, repr=False)
    cache_enabled: bool = True
    cache_size: int = 1024
    cache_ttl_s: float = 300.0
    faults: FaultConfig = field(default_factory=FaultConfig)
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES  # the server refuses larger bodies too (limits.py)


@dataclass(frozen=True, kw_only=True)
class Target:
    """A built application and the parts that must be closed with it."""

    app: Flask
    store: MemoryStore
    metrics: TargetMetrics

    def close(self) -> None:
        self.store.close()


def build_target(config: TargetConfig) -> Target:
    store = (
        FaultyStore(config.db_path, config.faults, seed=config.seed)
        if config.faults.breaks_correctness
        else MemoryStore(config.db_path)
    )
    store.checkpoint_in_background()
    metrics = TargetMetrics(
        memories_stored=lambda: store.index.memory_count, users=lambda: store.index.user_count
    )
    cache = LruTtlCache[Completion](max_entries=config.cache_size, ttl_s=config.cache_ttl_s)
    engine = ChatEngine(
        seed=config.seed,
        cache=cache if config.cache_enabled else None,
        on_cache_result=metrics.count_cache_result,
    )
    faults = FaultInjector(config.faults, seed=config.seed)
    app = Flask("memload.reference")
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    register_error_handlers(app, max_body_bytes=config.max_body_bytes)
    _register_hooks(app, token=config.token, faults=faults, metrics=metrics)
    register_memory_routes(app, store)
    register_llm_routes(app, store=store, engine=engine)

    @app.get("/health")
    def health() -> Response:
        return json_response(
            {
                "status": "ok",
                "version": __version__,
                "memories": store.index.memory_count,
                "users": store.index.user_count,
                "models": sorted(PROFILES),
                "cache": {
                    "enabled": config.cache_enabled,
                    "entries": len(cache),
                    "max_entries": config.cache_size,
                    "ttl_s": config.cache_ttl_s,
                },
                "faults": faults.describe(),
                "auth": config.token is not None,
            }
        )

    @app.get("/metrics", endpoint="metrics")
    def metrics_text() -> Response:
        return Response(metrics.exposition(), content_type=EXPOSITION_CONTENT_TYPE)

    return Target(app=app, store=store, metrics=metrics)


def _authorized(token: str) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, presented = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), token.encode())


def _register_hooks(app: Flask, *, token: str | None, faults: FaultInjector, metrics: TargetMetrics) -> None:
    @app.before_request
    def _before() -> None:
        g.started_s = time.perf_counter()
        if request.endpoint in _EXEMPT_ENDPOINTS:
            return
        if token is not None and not _authorized(token):
            raise ApiError(401, "missing or wrong 'Authorization: Bearer <token>' header")
        try:
            faults.before_request(request.endpoint)
        except InjectedFault as fault:
            raise ApiError(500, str(fault), error_type="injected_fault") from None

    @app.after_request
    def _after(response: Response) -> Response:
        if request.endpoint not in _EXEMPT_ENDPOINTS:
            faults.hold_while_stalled()
        rule = request.url_rule
        route = rule.rule if rule is not None else "unmatched"
        method, status = request.method, response.status_code
        started_s = g.get("started_s", time.perf_counter())

        def _observe() -> None:
            metrics.observe_request(
                route=route, method=method, status=status, duration_s=time.perf_counter() - started_s
            )

        if response.is_streamed:  # an SSE stream: its time runs to the end of the body
            response.call_on_close(_observe)
        else:
            _observe()
        return response
