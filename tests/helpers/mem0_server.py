"""mem0's own OSS REST server, run offline for tests: ``tests/data/mem0-server/`` (mem0's
``server/`` files, unmodified, at mem0ai/mem0 commit 07e58c54ae25) with the mem0ai core from PyPI
(the ``mem0-server`` extra), a local Qdrant (path mode) as its vector store, and memload's reference
service (``memload serve``, OpenAI-compatible: /v1/chat/completions and /v1/embeddings, 384 dims) as
its LLM and embedder.

Its start-up configuration is the one thing replaced: ``server/main.py`` builds pgvector on
Postgres at import; here ``server_state.initialize_state`` gets the configuration above instead, as an
admin's ``POST /configure`` would set it. Auth is on (``JWT_SECRET`` set): ``X-API-Key`` equal to
``ADMIN_API_KEY`` passes without a database; per-user keys and JWT users live in mem0's Postgres,
which is not started, so an unknown key is a 500 here (401 with the database).

    python mem0_server.py DATA_DIR LLM_URL PORT     (the server, in the foreground)
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

SERVER_DIR = Path(__file__).resolve().parents[1] / "data" / "mem0-server"
ADMIN_KEY = "memload-admin-key-0123456789"
ENV = {
    "MEM0_TELEMETRY": "False",  # mem0's anonymous telemetry: off, nothing leaves the machine
    "ADMIN_API_KEY": ADMIN_KEY,
    "JWT_SECRET": "memload-jwt-secret-0123456789-0123456789",
    "POSTGRES_HOST": "127.0.0.1",  # no Postgres: its connections are refused at once, not looked up
    "POSTGRES_PORT": "9",
}


def config(data_dir: str, llm_url: str) -> dict:
    openai = {"api_key": "memload", "model": "fast", "openai_base_url": f"{llm_url.rstrip('/')}/v1"}
    return {
        "version": "v1.1",
        "vector_store": {
            "provider": "qdrant",
            "config": {"path": os.path.join(data_dir, "qdrant"), "collection_name": "memories",
                       "embedding_model_dims": 384, "on_disk": True},
        },
        "llm": {"provider": "openai", "config": {**openai, "temperature": 0.2}},
        "embedder": {"provider": "openai", "config": {**openai, "embedding_dims": 384}},
        "history_db_path": os.path.join(data_dir, "history.db"),
    }


def serve(data_dir: str, llm_url: str, port: int) -> None:
    sys.path.insert(0, str(SERVER_DIR))
    os.environ.setdefault("HOME", data_dir)  # mem0 writes ~/.mem0
    import server_state

    initialize = server_state.initialize_state
    server_state.initialize_state = lambda _default: initialize(config(data_dir, llm_url))
    import main  # mem0's server: its routes, auth and errors as they are
    import uvicorn

    uvicorn.run(main.app, host="127.0.0.1", port=port, log_level="warning")


def mem0_installed() -> bool:
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("mem0", "fastapi", "uvicorn", "jose", "slowapi"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_mem0_server(data_dir: Path, llm_url: str, *, timeout_s: float = 120.0) -> Iterator[str]:
    """mem0's server in a child process; yields its URL once it answers."""
    port = free_port()
    log = open(data_dir / "mem0-server.log", "ab")
    process = subprocess.Popen([sys.executable, __file__, str(data_dir), llm_url, str(port)],
                               stdout=log, stderr=log, env={**os.environ, **ENV, "HOME": str(data_dir)})
    log.close()
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                tail = (data_dir / "mem0-server.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"mem0's server did not start: {tail}")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2], int(sys.argv[3]))
