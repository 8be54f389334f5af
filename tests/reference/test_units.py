"""Pure parts of the target: embeddings, the per-user vector index, the WSGI handler."""
from __future__ import annotations

import io
import socket
import subprocess
import sys

import numpy as np
import pytest

from memload.reference.storage.embeddings import EMBEDDING_DIMS, embed_text, embed_texts, tokenize
from memload.reference.storage.vector_index import VectorIndex
from memload.reference.http.deadlines import MAX_TICK_S, MIN_TICK_S, tick_for
from memload.reference.http.headers import HEADERS_TOO_LARGE, read_headers


def test_embeddings_are_normalised_and_deterministic_across_processes():
    vector = embed_text("The quick brown fox")
    assert vector.shape == (EMBEDDING_DIMS,) and vector.dtype == np.float32
    assert float(np.linalg.norm(vector)) == pytest.approx(1.0, abs=1e-6)
    code = "from memload.reference.storage.embeddings import embed_text; print(embed_text('The quick brown fox').tobytes().hex())"
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                           env={"PYTHONHASHSEED": "123", "PATH": ""}, check=True)
    assert other.stdout.strip() == vector.tobytes().hex()


def test_similar_texts_score_higher_than_unrelated_ones():
    base = embed_text("I drink green tea every morning")
    assert base @ embed_text("green tea in the morning") > base @ embed_text("the car needs winter tyres")
    assert base @ embed_text("i DRINK green tea, every morning!") == pytest.approx(1.0, abs=1e-6)
    # word order matters through the word pairs
    assert base @ embed_text("morning every tea green drink I") < 0.99


def test_texts_without_words_embed_to_zero():
    assert not embed_text("?!  ...").any()
    assert tokenize("Héllo, wörld_2!") == ["héllo", "wörld_2"]
    assert embed_texts(["a b", "c"]).shape == (2, EMBEDDING_DIMS)


def test_vector_index_partitions_users_and_survives_deletes():
    index = VectorIndex()
    texts = [f"note {i} about topic {i % 3}" for i in range(40)]
    for i, text in enumerate(texts):
        index.add(user_id=f"u{i % 2}", memory_id=f"m{i}", namespace=f"ns{i % 4}", content=text, vector=embed_text(text))
    assert (index.memory_count, index.user_count) == (40, 2)
    for i in range(0, 40, 4):  # delete every fourth memory of u0, including the first rows
        assert index.remove(user_id="u0", memory_id=f"m{i}")
    assert not index.remove(user_id="u0", memory_id="m0")
    assert not index.remove(user_id="u1", memory_id="m2")  # u0's memory is not u1's to delete
    for i, text in enumerate(texts):
        hits = index.search(user_id=f"u{i % 2}", query=embed_text(text), top_k=3)
        ids = [memory_id for memory_id, _, _ in hits]
        if i % 4 == 0:
            assert f"m{i}" not in ids
        else:
            assert ids[0] == f"m{i}" and hits[0][2] == text
        assert all(int(memory_id[1:]) % 2 == i % 2 for memory_id in ids)
    in_namespace = index.search(user_id="u1", query=embed_text("note"), top_k=100, namespace="ns1")
    assert sorted(int(m[1:]) for m, _, _ in in_namespace) == list(range(1, 40, 4))
    for i in range(1, 40, 2):
        index.remove(user_id="u1", memory_id=f"m{i}")
    assert index.user_count == 1 and index.search(user_id="u1", query=embed_text("note"), top_k=5) == []


def test_header_reader_handles_folding_limits_and_case():
    headers = read_headers(io.BytesIO(b"Host: x\r\nContent-Length: 5\r\nX-Long: a\r\n  b\r\n\r\nbody"))
    assert headers.status == "" and headers.get("content-length") == "5" and headers.getheader("x-long") == "a b"
    del headers["CONTENT-LENGTH"]
    assert headers.get("Content-Length") is None and list(headers.headers) == ["Host: x\r\n", "X-Long: a b\r\n"]
    assert read_headers(io.BytesIO(b"Bad header line\r\n\r\n")).status
    assert read_headers(io.BytesIO(b"X: " + b"a" * 70_000 + b"\r\n\r\n")).status == HEADERS_TOO_LARGE
    first = read_headers(io.BytesIO(b"X-Twice: one\r\nx-twice: two\r\n\r\n"))
    assert first.get("X-TWICE") == "one" and len(list(first.headers)) == 2


def test_deadlines_tick_a_quarter_of_the_shortest_timeout_within_bounds():
    assert tick_for(60.0, 30.0) == MAX_TICK_S and tick_for(0.5, 1.0) == 0.125 and tick_for(0.01, 5) == MIN_TICK_S


class CountingSocket(socket.socket):
    sends = 0

    def sendall(self, data, *args):
        self.sends += 1
        return super().sendall(data, *args)


def test_server_sets_tcp_nodelay_and_sends_a_small_response_at_once():
    from memload.reference.http.server import NoDelayWSGIServer

    seen = {}
    with socket.create_server(("127.0.0.1", 0)) as listener:
        client = socket.create_connection(listener.getsockname())
        plain, address = listener.accept()
        assert plain.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        accepted = CountingSocket(plain.family, plain.type, plain.proto, fileno=plain.detach())

        def app(environ, start_response):
            seen["nodelay"] = accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]

        client.sendall(b"GET / HTTP/1.0\r\n\r\n")
        NoDelayWSGIServer(("127.0.0.1", 0), app, log=None).handle(accepted, address)
        reply = client.recv(4096)
        client.close()
    assert seen["nodelay"] == 1
    assert accepted.sends == 1  # status line, headers and body in one segment
    assert reply.startswith(b"HTTP/1.1 200") and reply.endswith(b"\r\n\r\nok")
