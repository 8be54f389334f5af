"""Regenerate the golden Locust CSVs in this folder with the pinned Locust (2.47.0).

    .venv/bin/python tests/data/locust-2.47.0/make_goldens.py

Starts a tiny HTTP server on 127.0.0.1 (create: 2-6 ms; search: 5-40 ms, 3 % of them answer
500), runs Locust headless for 20 s (6 users, one more each second) with --csv-full-history, and writes a run.json next to the
CSVs (start/end times measured here, warm-up 5 s, a few thresholds). Not a test: the goldens are
committed so that the tests never need Locust.
"""
from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUN_S = 20


class Handler(BaseHTTPRequestHandler):
    rng = random.Random(7)
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else keep-alive requests wait ~40 ms for delayed ACKs

    def _answer(self, status: int, delay_s: float) -> None:
        time.sleep(delay_s)
        body = b'{"ok": true}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self._answer(201, self.rng.uniform(0.002, 0.006))

    def do_GET(self) -> None:  # noqa: N802
        status = 500 if self.rng.random() < 0.03 else 200
        self._answer(status, self.rng.uniform(0.005, 0.040))

    def log_message(self, *args: object) -> None:
        pass


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host = f"http://127.0.0.1:{server.server_address[1]}"
    locust = Path(sys.executable).parent / "locust"
    start_unix = time.time()
    subprocess.run(
        [str(locust), "-f", str(HERE / "golden_locustfile.py"), "--headless", "-u", "6", "-r", "1",
         "-t", f"{RUN_S}s", "--host", host, "--csv", str(HERE / "locust"), "--csv-full-history",
         "--only-summary", "--loglevel", "WARNING"],
        check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    end_unix = time.time()
    server.shutdown()
    run = {
        "schema_version": 1, "scenario_name": "golden", "warmup_s": 5.0,
        "thresholds": {"search.p95_ms": "< 100", "total.error_rate": "< 0.05", "create_memory.rps": "> 1"},
        "host": host, "target": "golden", "target_started": False, "workers": 0,
        "versions": {"locust": "2.47.0"}, "start_unix": round(start_unix, 3), "end_unix": round(end_unix, 3),
        "exit_status": "completed",
    }
    (HERE / "run.json").write_text(json.dumps(run, indent=2) + "\n")


if __name__ == "__main__":
    main()
