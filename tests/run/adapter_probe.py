"""Run in a subprocess by the adapter tests: drives one adapter with Locust's real FastHttpSession
against HOST and prints, as JSON, every request event it fired and what each operation returned.
(A subprocess because importing Locust monkey-patches the interpreter with gevent.)

    adapter_probe.py TARGET HOST [MODEL] [--open]

The mem0 target speaks the API named in PROBE_MEM0_API (oss, platform), its key in MEM0_API_KEY.

With ``--open`` it makes, instead, concurrent open-model calls through the one adapter, each in its
own greenlet with its own scheduled start in the past (0.3, 0.6, 0.9 s ago), as
memload.loadgen.arrival does."""
from __future__ import annotations

import json
import os
import sys
import time

import gevent
from gevent.pool import Pool
from locust.contrib.fasthttp import FastHttpSession
from locust.event import EventHook

from memload import Adapter, AdapterOptions
from memload.adapters.calls import scheduled_at
from memload.adapters.registry import load_adapter_class
from memload.scenario.targets import Mem0Options

OPEN_DELAYS_S = (0.3, 0.6, 0.9)
USER = "probe-user"
FACT = "I am allergic to peanuts and live in Lisbon."


def every_operation(adapter: Adapter) -> dict[str, object]:
    ops = adapter.operations
    returned: dict[str, object] = {}
    if "create_memory" in ops:
        returned["create_memory"] = adapter.create_memory(USER, FACT)
    if "create_memory_batch" in ops:
        returned["create_memory_batch"] = adapter.create_memory_batch(USER, ["First fact.", "Second fact."])
    created = returned.get("create_memory")
    memory_id = created[0] if isinstance(created, list) and created else created
    if "get_memory" in ops:
        returned["get_memory"] = adapter.get_memory(USER, memory_id)
    if "list_memories" in ops:
        returned["list_memories"] = adapter.list_memories(USER, 10)
    if "search" in ops:
        returned["search"] = adapter.search(USER, "allergic to peanuts")
    if "llm_chat" in ops:
        stats = adapter.llm_chat([{"role": "user", "content": "Where do I live?"}])
        returned["llm_chat"] = None if stats is None else stats.as_dict()
    if "embed" in ops:
        returned["embed"] = adapter.embed(["hello world"])
    if "rag_query" in ops:
        returned["rag_query"] = adapter.rag_query(USER, "What am I allergic to?")
    if "delete_memory" in ops:
        returned["delete_memory"] = adapter.delete_memory(USER, memory_id)
        returned["get_deleted"] = adapter.get_memory(USER, memory_id)
    return returned


def open_model_calls(adapter: Adapter) -> dict[str, object]:
    """One search and one chat per delay, all in flight at once through the same adapter."""
    def serve(call, scheduled_perf_s: float) -> None:
        with scheduled_at(scheduled_perf_s):
            gevent.sleep(0.05)  # let the others start, so the calls overlap
            call()

    now = time.perf_counter()
    pool = Pool(2 * len(OPEN_DELAYS_S))
    for delay_s in OPEN_DELAYS_S:
        pool.spawn(serve, lambda: adapter.search(USER, "peanuts"), now - delay_s)
        pool.spawn(serve, lambda: adapter.llm_chat([{"role": "user", "content": "Hi"}]), now - delay_s)
    pool.join()
    return {"delays_ms": [d * 1000.0 for d in OPEN_DELAYS_S]}


def main() -> None:
    target, host = sys.argv[1], sys.argv[2]
    model = sys.argv[3] if len(sys.argv) > 3 and not sys.argv[3].startswith("--") else "fast"
    events: list[dict] = []
    hook = EventHook()
    hook.add_listener(lambda **kw: events.append({
        "name": kw["name"], "type": kw["request_type"], "ms": kw["response_time"],
        "error": None if kw["exception"] is None else str(kw["exception"]),
        "llm": (kw.get("context") or {}).get("llm"), "queue_ms": (kw.get("context") or {}).get("queue_ms")}))
    session = FastHttpSession(host, hook, None)
    mem0 = Mem0Options(api=os.environ.get("PROBE_MEM0_API", "oss"))
    adapter = load_adapter_class(target)(session, options=AdapterOptions(model=model, top_k=5, mem0=mem0))
    returned = open_model_calls(adapter) if "--open" in sys.argv else every_operation(adapter)
    print(json.dumps({"events": events, "returned": returned}))


if __name__ == "__main__":
    main()
