"""Run in a subprocess by the adapter tests: drives one adapter with Locust's real FastHttpSession
against HOST and prints, as JSON, every request event it fired and what each operation returned.
(A subprocess because importing Locust monkey-patches the interpreter with gevent.)"""
from __future__ import annotations

import json
import sys

from locust.contrib.fasthttp import FastHttpSession
from locust.event import EventHook

from memload.adapters.base import AdapterOptions
from memload.adapters.registry import load_adapter_class

target, host, model = sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "fast"
events: list[dict] = []
hook = EventHook()
hook.add_listener(lambda **kw: events.append({
    "name": kw["name"], "type": kw["request_type"], "ms": kw["response_time"],
    "error": None if kw["exception"] is None else str(kw["exception"]),
    "llm": (kw.get("context") or {}).get("llm")}))
session = FastHttpSession(host, hook, None)
adapter = load_adapter_class(target)(session, options=AdapterOptions(model=model, top_k=5))
ops = adapter.operations
returned: dict[str, object] = {}
user = "probe-user"
if "create_memory" in ops:
    returned["create_memory"] = adapter.create_memory(user, "I am allergic to peanuts and live in Lisbon.")
if "create_memory_batch" in ops:
    returned["create_memory_batch"] = adapter.create_memory_batch(user, ["First fact.", "Second fact."])
memory_id = returned.get("create_memory")
if "get_memory" in ops:
    returned["get_memory"] = adapter.get_memory(user, memory_id)
if "list_memories" in ops:
    returned["list_memories"] = adapter.list_memories(user, 10)
if "search" in ops:
    returned["search"] = adapter.search(user, "allergic to peanuts")
if "llm_chat" in ops:
    stats = adapter.llm_chat([{"role": "user", "content": "Where do I live?"}])
    returned["llm_chat"] = None if stats is None else stats.as_dict()
if "embed" in ops:
    returned["embed"] = adapter.embed(["hello world"])
if "rag_query" in ops:
    returned["rag_query"] = adapter.rag_query(user, "What am I allergic to?")
if "delete_memory" in ops:
    returned["delete_memory"] = adapter.delete_memory(user, memory_id)
    returned["get_deleted"] = adapter.get_memory(user, memory_id)
print(json.dumps({"events": events, "returned": returned}))
