"""Failure messages normalised before Locust groups them (memload.loadgen.failures): a server that
puts request ids in its errors keeps one row per kind of failure, and the first full message of
each is kept. Without Locust (it would patch this process); the run side is in the slow proof of
test_mem0_runs.py."""

from __future__ import annotations

import csv

import pytest

from memload import names as C
from memload.loadgen.failures import MAX_EXAMPLES, FailureExamples, normalise


class CatchResponseError(Exception):
    """Named as Locust's: what every response.failure(...) makes."""


@pytest.mark.parametrize(("message", "normal"), [
    ('HTTP 502 (expected 200): {"detail": "Upstream provider error.", "code": "unknown", "request_id": "3f9a2c1b"}',
     'HTTP 502 (expected 200): {"detail": "Upstream provider error.", "code": "unknown", "request_id": "<id>"}'),
    ("HTTP 500 (expected 200/201): request req_8f3k2j4l9 failed at 2026-11-30T14:43:16Z after 1532 ms",
     "HTTP 500 (expected 200/201): request req_<id> failed at <time> after <n> ms"),
    ('HTTP 404 (expected 200): {"detail": "Memory with id 0b6c2f0e-3d0a-4c69-9e0b-1c2d3e4f5a6b not found"}',
     'HTTP 404 (expected 200): {"detail": "Memory with id <id> not found"}'),
    ("no response: ConnectionRefusedError(111, 'Connection refused')",
     "no response: ConnectionRefusedError(<n>, 'Connection refused')"),
    # nothing to replace: words, and the status of an HTTP message
    ("HTTP 200: not found (the service answered null)", "HTTP 200: not found (the service answered null)"),
    ("timeout: no answer within the client timeout (scenario `timeout`, --timeout)",
     "timeout: no answer within the client timeout (scenario `timeout`, --timeout)"),
])
def test_normalise(message, normal):
    assert normalise(message) == normal


def test_many_request_ids_make_one_failure_and_its_first_full_message_is_kept(tmp_path):
    examples = FailureExamples()
    errors = []
    for n in range(500):
        error = CatchResponseError(f'HTTP 502 (expected 200): {{"detail": "Upstream provider error.", '
                                   f'"request_id": "{n:08x}"}}')
        examples.on_request(name="search", exception=error)
        errors.append(repr(error))  # what Locust's own listener, after this one, groups by
    assert len(set(errors)) == 1
    assert list(examples.first.values()) == ['HTTP 502 (expected 200): {"detail": "Upstream provider error.", '
                                             '"request_id": "00000000"}']
    examples.on_request(name="search", exception=CatchResponseError("HTTP 200: not found (the service answered null)"))
    examples.on_request(name="search", exception=ValueError("id 1234"))  # not a response.failure: left alone
    assert len(examples.first) == 1  # nothing was replaced in either: no example needed
    examples.write(tmp_path)
    with open(tmp_path / C.FAILURE_EXAMPLES_CSV, newline="") as file:
        rows = list(csv.DictReader(file))
    assert rows == [{C.FX_NAME: "search", C.FX_ERROR: errors[0], C.FX_EXAMPLE: examples.first[("search", errors[0])]}]


def test_workers_send_their_new_examples_and_the_master_keeps_the_first(tmp_path):
    worker, master = FailureExamples(), FailureExamples()
    worker.on_request(name="get_memory", exception=CatchResponseError("HTTP 500 (expected 200): trace ab12cd34ef"))
    sent = worker.drain()
    assert worker.drain() == []  # each example is sent once
    master.merge(sent)
    master.merge([["get_memory", sent[0][1], "a later message"]])
    assert master.first == {("get_memory", sent[0][1]): "HTTP 500 (expected 200): trace ab12cd34ef"}


def test_examples_are_bounded():
    examples = FailureExamples()
    for n in range(MAX_EXAMPLES + 50):
        examples.remember(f"op{n}", "CatchResponseError('x <n>')", f"x {n}")
    assert len(examples.first) == MAX_EXAMPLES
