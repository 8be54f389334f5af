"""``target = "http"``: any JSON API, described in the scenario's ``[http]`` table
(memload.adapters.http.spec). Each operation is one request built from its templates; the answer is
checked where the table says the id, the results or the content are, so a wrong route or a changed
field fails the request with the reason instead of passing unseen:

- create_memory: the id at ``id`` (kept, so get_memory and delete_memory use real ids); none there
  fails the request. Without ``id`` the request succeeds and the user knows no id (as the
  reference adapter, whose service answers none).
- create_memory_batch: the ids at ``ids`` (a list, or a path with ``[*]``).
- get_memory: a ``null`` answer fails as not found (a 404 fails by its status, as everywhere), and
  so does an answer without the ``content`` (else ``item_id``) path when one is named.
- list_memories, search: the ``results`` path must hold a list (an empty one is a valid answer).
- get_memory, list_memories, search return the decoded answer: ``found_memories`` reads each memory's
  id, owner and text at ``item_id``, ``item_user``, ``item_content`` (inside each result; for a get,
  inside the answer) for memload's [checks]; the [http] parser refuses a check whose paths are not
  named (memload.adapters.http.spec.CHECK_NEEDS).
- delete_memory: accepted when its status is expected; the user then forgets the id.
- rag_query: the ``answer`` path must be there when named. llm_chat and embed speak the OpenAI wire
  format at the given path (memload.adapters.openai_compat).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from memload.adapters import openai_compat
from memload.adapters.base import Adapter, AdapterOptions, FoundMemory, HttpClient
from memload.adapters.http.jsonpath import MISSING, find, parse_path
from memload.adapters.http.spec import ITEM_KEYS
from memload.adapters.http.templates import render, render_path
from memload.adapters.openai_stream import StreamStats

NOT_FOUND = "not found (the service answered null)"


class HttpAdapter(Adapter):
    name = "http"
    # every check: the [http] table says which it can read; a scenario enabling one whose paths it does
    # not name is refused on load (memload.adapters.http.spec.CHECK_NEEDS)
    checks = frozenset({"search_hit", "rw_lag", "isolation", "audit"})

    def __init__(self, client: HttpClient, *, options: AdapterOptions) -> None:
        super().__init__(client, options=options)
        api = options.http or {}
        self.specs: dict[str, dict[str, Any]] = api.get("operations", {})
        for header, template in api.get("headers", {}).items():
            self.headers[header] = str(render(template, {}))
        self.paths = {
            (op, key): parse_path(spec[key])
            for op, spec in self.specs.items()
            for key in ("id", "ids", "results", "content", "answer", *ITEM_KEYS)
            if key in spec
        }

    def _call(self, op: str, values: dict[str, Any], check: Callable[[Any], str | None] | None = None) -> Any:
        spec = self.specs.get(op)
        if spec is None:
            raise NotImplementedError(f"the scenario's [http] table has no [http.{op}]")
        values = {"namespace": self.options.namespace or "", **values}
        return self.call_json(
            spec["method"],
            render_path(spec["path"], values),
            operation=op,
            body=render(spec["body"], values) if "body" in spec else None,
            params=render(spec["query"], values) if "query" in spec else None,
            expect=spec["expect"],
            check=check,
        )

    def _needs(self, op: str, key: str, kind: type | tuple[type, ...]) -> Callable[[Any], str | None] | None:
        """A check that the answer holds a value of ``kind`` at the operation's ``key`` path."""
        steps = self.paths.get((op, key))
        if steps is None:
            return None
        text = self.specs[op][key]

        def check(reply: Any) -> str | None:
            if reply is None:
                return NOT_FOUND
            found = find(reply, steps)
            if found is MISSING or found is None:
                return f"no {key} at {text} in the answer"
            if not isinstance(found, kind):
                return f"{key} at {text} is a {type(found).__name__}, not a {_kind(kind)}"
            return None

        return check

    def _found(self, op: str, key: str, reply: Any) -> Any:
        steps = self.paths.get((op, key))
        return None if steps is None or reply is None else find(reply, steps)

    def create_memory(self, user_id: str, content: str) -> str | None:
        op = "create_memory"
        reply = self._call(op, {"user_id": user_id, "content": content}, self._needs(op, "id", (str, int)))
        found = self._found(op, "id", reply)
        return None if found is None or found is MISSING else str(found)

    def create_memory_batch(self, user_id: str, contents: list[str]) -> list[str]:
        op = "create_memory_batch"
        spec = self.specs.get(op, {})
        namespace = self.options.namespace or ""
        item = spec.get("item")
        items = [render(item, {"user_id": user_id, "content": c, "namespace": namespace}) for c in contents]
        values = {"user_id": user_id, "contents": contents, "items": items if item is not None else []}
        reply = self._call(op, values, self._needs(op, "ids", list))
        found = self._found(op, "ids", reply)
        return [str(i) for i in found if isinstance(i, (str, int))] if isinstance(found, list) else []

    def get_memory(self, user_id: str, memory_id: str) -> Any:
        op = "get_memory"
        check = (
            self._needs(op, "content", (str, int, float, dict, list))
            or self._needs(op, "item_id", (str, int))
            or _not_null
        )
        return self._call(op, {"user_id": user_id, "memory_id": memory_id}, check)

    def list_memories(self, user_id: str, limit: int) -> Any:
        op = "list_memories"
        return self._call(op, {"user_id": user_id, "limit": limit}, self._needs(op, "results", list))

    def delete_memory(self, user_id: str, memory_id: str) -> bool:
        return self._call("delete_memory", {"user_id": user_id, "memory_id": memory_id}) is not None

    def search(self, user_id: str, query: str) -> Any:
        op = "search"
        values = {"user_id": user_id, "query": query, "top_k": self.options.top_k}
        return self._call(op, values, self._needs(op, "results", list))

    def found_memories(self, operation: str, reply: Any) -> list[FoundMemory] | None:
        """The memories at the operation's item paths; None when it names none (nothing to read)."""
        spec = self.specs.get(operation, {})
        if not any(key in spec for key in ITEM_KEYS):
            return None
        if operation == "get_memory":
            if reply is None:
                return []
            memory = self._memory(operation, reply)
            # no id where item_id is (e.g. a 404's body during a check's poll): not the memory
            return [] if "item_id" in spec and memory.id is None else [memory]
        items = self._found(operation, "results", reply)
        return [self._memory(operation, item) for item in items] if isinstance(items, list) else None

    def _memory(self, op: str, item: Any) -> FoundMemory:
        def at(key: str, kinds: tuple[type, ...]) -> str | None:
            steps = self.paths.get((op, key))
            value = MISSING if steps is None else find(item, steps)
            return str(value) if isinstance(value, kinds) and not isinstance(value, bool) else None

        return FoundMemory(
            id=at("item_id", (str, int)),
            user_id=at("item_user", (str, int)),
            content=at("item_content", (str,)),
        )

    def rag_query(self, user_id: str, question: str) -> None:
        op = "rag_query"
        values = {
            "user_id": user_id,
            "question": question,
            "top_k": self.options.top_k,
            "model": openai_compat.current_model(self.options),
        }
        self._call(op, values, self._needs(op, "answer", (str, dict, list)))

    def llm_chat(self, messages: list[dict[str, str]]) -> StreamStats | None:
        return openai_compat.chat(self, messages, path=self._wire_path("llm_chat"))

    def embed(self, texts: list[str]) -> None:
        openai_compat.embed(self, texts, path=self._wire_path("embed"))

    def _wire_path(self, op: str) -> str:
        if op not in self.specs:
            raise NotImplementedError(f"the scenario's [http] table has no [http.{op}]")
        return str(self.specs[op]["path"])


def _not_null(reply: Any) -> str | None:
    return NOT_FOUND if reply is None else None


def _kind(kind: type | tuple[type, ...]) -> str:
    return "list" if kind is list else "value"
