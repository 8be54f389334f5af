"""The adapter contract: one class per kind of target holds every HTTP shape of that target.

An adapter is handed Locust's HTTP client and fires requests named by operation (``search``,
``create_memory`` …) so that Locust's statistics group by operation whatever the URL. It never
records figures itself: Locust's request event carries each request to whoever listens.

An adapter's operations are the operation methods it defines: a subclass implements the ones its
service can do (same names and arguments as below) and ``operations`` is derived from them. To add
a target, write one small file with such a subclass, then point a scenario at it with
``target = "my_adapter.py:MyAdapter"`` (a path relative to the scenario file) or
``target = "package.module:MyAdapter"``. See README, "Adding an adapter", and docs/examples/.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from memload.adapters import openai_compat, rate_limits
from memload.adapters.calls import add_context, check_active, measure_from_schedule, request_name
from memload.adapters.openai_stream import StreamStats
from memload.scenario.figures import OPERATIONS
from memload.scenario.targets import Mem0Options

if TYPE_CHECKING:
    from memload.scenario import Scenario

LIST_LIMIT = 20  # memories asked for by each list_memories


class HttpClient(Protocol):
    """What adapters need of Locust's FastHttpSession."""

    def request(self, method: str, url: str, **kwargs: Any) -> Any: ...


@dataclass(frozen=True, kw_only=True)
class AdapterOptions:
    model: str = "fast"
    embed_model: str = "fast"
    stream: bool = True
    max_tokens: int = 64
    max_completion_tokens: int | None = None  # sent instead of max_tokens when set
    ignore_eos: bool = False
    temperature: float = 0.0
    honour_retry_after: bool = True  # a 429's Retry-After: the user that got it waits
    max_retry_after_s: float = 60.0
    top_k: int = 10
    namespace: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    mem0: Mem0Options = field(default_factory=Mem0Options)
    http: dict[str, Any] = field(default_factory=dict)  # target "http": the [http] table (adapters/http)

    @classmethod
    def for_scenario(cls, scenario: Scenario) -> AdapterOptions:
        llm, data = scenario.llm, scenario.data
        return cls(
            model=llm.model,
            embed_model=llm.embed_model,
            stream=llm.stream,
            max_tokens=llm.max_tokens,
            max_completion_tokens=llm.max_completion_tokens,
            ignore_eos=llm.ignore_eos,
            temperature=llm.temperature,
            honour_retry_after=llm.honour_retry_after,
            max_retry_after_s=llm.max_retry_after_s,
            top_k=data.top_k,
            namespace=data.namespace,
            mem0=scenario.mem0,
            http=scenario.http,
        )


def implemented_operations(adapter_class: type) -> frozenset[str]:
    """The operations ``adapter_class`` can do: the operation methods it (or a parent) overrides."""
    return frozenset(
        operation
        for operation in OPERATIONS
        if callable(method := getattr(adapter_class, operation, None))
        and method is not getattr(Adapter, operation)
    )


class _DerivedOperations:
    """``Adapter.operations``: computed from the class's methods each time, never declared."""

    def __get__(self, instance: object, owner: type) -> frozenset[str]:
        return implemented_operations(owner)


@dataclass(frozen=True, slots=True)
class FoundMemory:
    """One memory in an answer (search, list, get), for memload's checks: its id and, when the
    answer says them, its owner and text."""

    id: str | None
    user_id: str | None = None
    content: str | None = None


class Adapter:
    """Base class: subclasses set ``name`` and define the operation methods their service can do."""

    name: ClassVar[str] = "base"
    api_key_env: ClassVar[str | None] = None  # environment variable holding a bearer token
    # the checks of a scenario's [checks] this adapter's answers allow (memload.checks.spec.CHECKS);
    # they need ``found_memories`` and operations that return the service's answer
    checks: ClassVar[frozenset[str]] = frozenset()
    operations = _DerivedOperations()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        declared = cls.__dict__.get("operations")
        if declared is None or isinstance(declared, _DerivedOperations):
            return
        # Before operations were derived, adapters listed them: such a list must match the methods.
        delattr(cls, "operations")
        implemented = implemented_operations(cls)
        if frozenset(declared) != implemented:
            raise TypeError(
                f"{cls.__name__}.operations lists {', '.join(sorted(declared)) or 'nothing'} but the class "
                f"implements {', '.join(sorted(implemented)) or 'no operation'}; remove `operations`: "
                "an adapter's operations are the methods it defines"
            )

    def __init__(self, client: HttpClient, *, options: AdapterOptions) -> None:
        self.client = client
        self.options = options
        self.headers = dict(options.headers)
        token = os.environ.get(self.api_key_env) if self.api_key_env else None
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    # Operations: define those the service can do. Each returns what the simulated user needs to
    # remember (ids), or None. Those left undefined are not this adapter's operations.
    def create_memory(self, user_id: str, content: str) -> str | list[str] | None:
        """Store ``content`` for ``user_id``; the new memory's id (or ids: a service may make several
        memories of one text, or none), if the service says it."""
        raise NotImplementedError(f"{type(self).__name__} does not do create_memory")

    def create_memory_batch(self, user_id: str, contents: list[str]) -> list[str]:
        """Store several memories in one request; their ids, in order."""
        raise NotImplementedError(f"{type(self).__name__} does not do create_memory_batch")

    def get_memory(self, user_id: str, memory_id: str) -> Any:
        """Read one memory; an adapter with checks returns the decoded answer (None on a failure)."""
        raise NotImplementedError(f"{type(self).__name__} does not do get_memory")

    def list_memories(self, user_id: str, limit: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not do list_memories")

    def delete_memory(self, user_id: str, memory_id: str) -> bool:
        """Delete one memory; whether the service accepted it."""
        raise NotImplementedError(f"{type(self).__name__} does not do delete_memory")

    def search(self, user_id: str, query: str) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not do search")

    def llm_chat(self, messages: list[dict[str, str]]) -> StreamStats | None:
        """A chat completion; a streamed one returns its timings."""
        raise NotImplementedError(f"{type(self).__name__} does not do llm_chat")

    def embed(self, texts: list[str]) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not do embed")

    def rag_query(self, user_id: str, question: str) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not do rag_query")

    def found_memories(self, operation: str, reply: Any) -> list[FoundMemory] | None:
        """The memories in the answer of a search, list or get (best first), as the operation
        returned it; None when the answer says nothing usable (a failure)."""
        return None

    def answer_items(self, operation: str, reply: Any) -> list[Any] | None:
        """The answer's memories as the JSON objects it holds, when each names its id and owner under
        ``id`` and ``user_id``: the isolation check's fast path (every answer of a run), which goes to
        ``found_memories`` only when it sees another owner. None: no fast path for this answer."""
        return None

    # Helpers for subclasses.
    def call_json(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        body: Any = None,
        params: dict[str, Any] | None = None,
        expect: Iterable[int] = (200,),
        context: dict[str, Any] | None = None,
        check: Callable[[Any], str | None] | None = None,
    ) -> Any:
        """One request named ``operation``; a status not in ``expect`` or a non-JSON body fails it
        (a 429 as ``rate limited``, its Retry-After honoured), and so does a body for which ``check``
        returns a reason (e.g. ``not found`` for ``null``). ``context`` goes on the request event.
        Returns the decoded JSON body ({} for an empty one), or None when the request failed."""
        expected = tuple(expect)
        if check_active():  # a check's poll: "not found (yet)" is what it asks, not a failure
            expected, check = (*expected, 404), None
        wait_s = 0.0
        with self.client.request(
            method,
            path,
            name=request_name(operation),
            json=body,
            params=params,
            headers=self.headers,
            catch_response=True,
        ) as response:
            if context:
                add_context(response, **context)
            if response.status_code not in expected:
                wait_s = rate_limits.failed_status(self, response, expected)
            else:
                return _decoded(response, check)
        rate_limits.wait(wait_s)
        return None

    def stream_chat(self, path: str, body: dict[str, Any], *, operation: str) -> StreamStats | None:
        """POST an OpenAI-style streaming chat request (memload.adapters.openai_compat): the
        request's time is the whole stream, its LLM figures ride on the request event's context."""
        return openai_compat.stream_chat(self, path, body, operation=operation)


def _decoded(response: Any, check: Callable[[Any], str | None] | None = None) -> Any:
    """The JSON body of a successful request ({} when empty); None (a failure) when not JSON, or when
    ``check`` finds a reason in it."""
    measure_from_schedule(response)
    if response.status_code == 204 or not response.content:
        response.success()
        return {}
    try:
        decoded = json.loads(response.content)
    except ValueError:
        response.failure(f"HTTP {response.status_code}: body is not JSON")
        return None
    reason = None if check is None else check(decoded)
    if reason:
        response.failure(f"HTTP {response.status_code}: {reason}")
        return None
    response.success()
    return decoded
