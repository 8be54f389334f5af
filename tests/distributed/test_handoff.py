"""The scenario handoff from master to worker, and the command lines, without a run."""

from __future__ import annotations

import pytest

from memload.distributed import handoff
from memload.distributed.cli import _address, is_loopback
from memload.errors import MemloadError


def test_a_worker_gets_the_scenario_and_the_host_once_the_master_knows_it() -> None:
    server = handoff.HandoffServer(scenario={"name": "smoke"}, workers=3, bind="127.0.0.1", port=0).start()
    try:
        with pytest.raises(MemloadError, match=r"within 0.3 s \(HTTP 503\)"):
            handoff.fetch_handoff("127.0.0.1", server.port, wait_s=0.3)
        server.set_host("http://127.0.0.1:8000")
        payload = handoff.fetch_handoff("127.0.0.1", server.port, wait_s=5)
    finally:
        server.stop()
    assert payload["scenario"] == {"name": "smoke"} and payload["workers"] == 3
    assert payload["host"] == "http://127.0.0.1:8000" and payload["versions"] == handoff.versions()


def test_a_worker_of_another_memload_version_is_refused_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    server = handoff.HandoffServer(scenario={}, workers=1, bind="127.0.0.1", port=0).start()
    server.set_host("http://127.0.0.1:8000")
    monkeypatch.setattr(handoff, "versions", lambda: {"memload": "0.0.1", "locust": "2.0.0"})
    try:
        server.payload["versions"] = {"memload": "9.9.9", "locust": "2.47.0"}
        with pytest.raises(MemloadError, match="the master runs memload 9.9.9 .* this worker memload 0.0.1"):
            handoff.fetch_handoff("127.0.0.1", server.port, wait_s=2)
    finally:
        server.stop()


def test_no_master_is_a_clear_error() -> None:
    with pytest.raises(
        MemloadError, match=r"no scenario from the master at http://127.0.0.1:9/memload/worker"
    ):
        handoff.fetch_handoff("127.0.0.1", 9, wait_s=0.2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.0.0.5", ("10.0.0.5", 5557)),
        ("10.0.0.5:6000", ("10.0.0.5", 6000)),
        ("[::1]:6000", ("::1", 6000)),
        ("::1", ("::1", 5557)),
        ("master.local:7", ("master.local", 7)),
    ],
)
def test_master_addresses(text: str, expected: tuple[str, int]) -> None:
    assert _address(text) == expected


def test_a_bad_port_is_a_usage_error() -> None:
    with pytest.raises(MemloadError, match="the port must be a number"):
        _address("host:http")


def test_loopback_addresses() -> None:
    assert is_loopback("127.0.0.2") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.1.2.3")
