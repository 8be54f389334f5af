"""Run in a subprocess by tests/run/test_openai_servers.py (importing Locust patches the
interpreter with gevent): drives the ``openai`` adapter with Locust's FastHttpSession against
BASE_URL, ``COUNT`` chat requests then one embeddings request of ``BATCH`` texts, and prints as JSON
every request event (with its context) and when each call started and ended.

    openai_probe.py BASE_URL COUNT [--no-stream] [--batch N] [--model M]
"""
from __future__ import annotations

import json
import sys
import time

from locust.contrib.fasthttp import FastHttpSession
from locust.event import EventHook

from memload import AdapterOptions
from memload.adapters.openai import OpenAIAdapter
from memload.adapters.openai_compat import using_model


def main() -> None:
    base_url, count = sys.argv[1], int(sys.argv[2])
    args = sys.argv[3:]
    batch = int(args[args.index("--batch") + 1]) if "--batch" in args else 1
    model = args[args.index("--model") + 1] if "--model" in args else None
    events: list[dict] = []
    hook = EventHook()
    hook.add_listener(lambda **kw: events.append({
        "name": kw["name"], "ms": kw["response_time"],
        "error": None if kw["exception"] is None else str(kw["exception"]),
        "context": kw.get("context") or {}}))
    session = FastHttpSession(base_url, hook, None)
    adapter = OpenAIAdapter(session, options=AdapterOptions(stream="--no-stream" not in args, max_retry_after_s=5))
    calls = []
    for _ in range(count):
        started = time.perf_counter()
        with using_model(model):
            adapter.llm_chat([{"role": "user", "content": "What is the answer?"}])
        calls.append([started, time.perf_counter()])
    adapter.embed([f"text {i}" for i in range(batch)])
    print(json.dumps({"events": events, "calls": calls}))


if __name__ == "__main__":
    main()
