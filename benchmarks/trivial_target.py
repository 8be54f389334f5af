"""A trivial HTTP target for harness benchmarks: gevent's WSGI server answering every request with
a precomputed JSON body (201 for POST /v1/memories), so that the server does almost no work and
what is measured is the load generator. Prints its URL as the first line, like `memload serve`.

    python benchmarks/trivial_target.py [--port 0] [--results N] [--content-chars C]

``--results``/``--content-chars`` size the body: a search answer of N results of C characters
each, which the client has to read and parse (0 results: a ~60-byte body).
"""
from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import json  # noqa: E402
import socket  # noqa: E402
import sys  # noqa: E402

from gevent.pywsgi import WSGIServer  # noqa: E402


class NoDelayServer(WSGIServer):
    def do_read(self):  # type: ignore[override]
        accepted = super().do_read()
        if accepted is not None:
            accepted[0].setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return accepted


def make_app(body: bytes):
    created = json.dumps({"id": "m-1", "user_id": "u", "namespace": "default", "created_at": "now"}).encode()

    def app(environ, start_response):
        if environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"] == "/v1/memories":
            environ["wsgi.input"].read()
            start_response("201 Created", [("Content-Type", "application/json"), ("Content-Length", str(len(created)))])
            return [created]
        if environ["REQUEST_METHOD"] == "POST":
            environ["wsgi.input"].read()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--results", type=int, default=0)
    parser.add_argument("--content-chars", type=int, default=200)
    args = parser.parse_args()
    results = [{"id": f"m-{i}", "content": "x" * args.content_chars, "score": 0.5} for i in range(args.results)]
    body = json.dumps({"results": results, "id": "m-1"}).encode()
    server = NoDelayServer(("127.0.0.1", args.port), make_app(body), log=None)
    server.init_socket()
    print(f"http://127.0.0.1:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
