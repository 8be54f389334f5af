"""A scenario's ``[mem0]`` table: which mem0 API the ``mem0`` target speaks, and how.

- ``api``: ``"oss"`` (mem0's self-hosted REST server, ``server/main.py``: API key in ``X-API-Key``)
  or ``"platform"`` (the hosted API, ``api.mem0.ai``: ``Authorization: Token <key>``, v1/v3 routes).
- ``key_env``: the environment variable holding the API key (``MEM0_API_KEY``); the key itself is
  never in a scenario, run.json or a log. An OSS server started with ``AUTH_DISABLED=true`` needs none.
- ``infer``: mem0 extracts facts with an LLM on every add by default (``true``, a real cost worth
  measuring); ``false`` stores the text as it is and measures storage alone.
- ``poll``: the platform's add is asynchronous (``{"event_id", "status": "PENDING"}``, measured as
  accepted); ``poll = true`` also polls ``GET /v1/event/{id}/`` until it ends, each poll named
  ``create_memory_poll`` and the time to completion ``create_memory_completed``.
- ``poll_interval`` / ``poll_timeout``: between polls (0.5 s), and how long before giving up (60 s).
"""

from __future__ import annotations

from dataclasses import dataclass

from memload.scenario.tables import TableReader

KEYS = ("api", "key_env", "infer", "poll", "poll_interval", "poll_timeout")
APIS = ("oss", "platform")
DEFAULT_KEY_ENV = "MEM0_API_KEY"


@dataclass(frozen=True, kw_only=True)
class Mem0Options:
    api: str = "oss"
    key_env: str = DEFAULT_KEY_ENV
    infer: bool = True
    poll: bool = False
    poll_interval_s: float = 0.5
    poll_timeout_s: float = 60.0


def parse_mem0(reader: TableReader) -> Mem0Options:
    reader.keys_checked(KEYS)
    defaults = Mem0Options()
    options = Mem0Options(
        api=reader.str("api", default=defaults.api, choices=APIS),
        key_env=reader.str("key_env", default=defaults.key_env),
        infer=reader.bool("infer", default=defaults.infer),
        poll=reader.bool("poll", default=defaults.poll),
        poll_interval_s=reader.duration("poll_interval", default=defaults.poll_interval_s),
        poll_timeout_s=reader.duration("poll_timeout", default=defaults.poll_timeout_s),
    )
    if not options.key_env or not options.key_env.replace("_", "").isalnum():
        raise reader.error("key_env", f"must name an environment variable, got {options.key_env!r}")
    if options.poll and options.api != "platform":
        raise reader.error("poll", 'only the platform\'s add is asynchronous: poll needs api = "platform"')
    if options.poll_interval_s <= 0 or options.poll_timeout_s < options.poll_interval_s:
        raise reader.error(
            "poll_timeout",
            f"needs 0 < poll_interval <= poll_timeout, got {options.poll_interval_s:g} s and "
            f"{options.poll_timeout_s:g} s",
        )
    return options
