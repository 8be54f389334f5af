"""Hosts and secrets (issue 11, fault campaign): an unreachable --host ends the run at once in one
line; a host outside this machine is refused before any traffic without --allow-remote (never given
here: these tests send nothing beyond loopback); a password in --host and API keys in the environment
reach no console line and no file of the run directory."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from memload_cli import (
    aggregated_stats,
    files_containing,
    harness_error_line,
    only_run_dir,
    run_memload,
    start_reference_target,
)

pytestmark = pytest.mark.integration

NO_REMOTE = {"MEMLOAD_ALLOW_REMOTE": "0"}  # whatever the caller's environment says
PLANTED = {
    "OPENAI_API_KEY": "sk-planted-XYZ",
    "MEM0_API_KEY": "m0-planted-XYZ",
    "MEMLOAD_TARGET_TOKEN": "tok-planted-XYZ",
}


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    from memload.run.processes import free_port

    return free_port()


def timed_run(*args: str) -> tuple[float, object]:
    started = time.monotonic()
    result = run_memload("run", *args, timeout=60, env=NO_REMOTE)
    return time.monotonic() - started, result


@pytest.mark.parametrize("userinfo", ["", "user:s3cret@"], ids=["plain", "with-password"])
def test_an_unreachable_host_is_one_line_at_once(tmp_path: Path, userinfo: str) -> None:
    port = closed_port()
    host = f"http://{userinfo}127.0.0.1:{port}"
    elapsed_s, result = timed_run("smoke", "--host", host, "--out", str(tmp_path / "out"))
    line = harness_error_line(result)
    shown = f"http://{'user:***@' if userinfo else ''}127.0.0.1:{port}"
    assert line.endswith(f"cannot reach {shown}: connection refused"), line
    assert "s3cret" not in result.stdout + result.stderr
    assert elapsed_s < 2.5, elapsed_s  # a refused port answers at once (measured: ~0.3 s in all)
    assert not (tmp_path / "out").exists()  # nothing was made


def test_a_host_outside_this_machine_is_refused_before_any_traffic(tmp_path: Path) -> None:
    # Unroutable: a connection attempt would take the reachability check's 3 s timeout.
    elapsed_s, result = timed_run("smoke", "--host", "http://10.255.255.1:9", "--out", str(tmp_path / "out"))
    line = harness_error_line(result)
    assert "10.255.255.1" in line and "--allow-remote" in line, line
    assert elapsed_s < 2.5, elapsed_s  # refused before the 3 s connect attempt (measured: ~0.3 s)
    assert not (tmp_path / "out").exists()


@pytest.fixture
def own_target(tmp_path: Path):
    process, url = start_reference_target(tmp_path / "target.db")
    yield url
    process.terminate()
    process.wait(timeout=15)


def assert_nowhere(secrets: list[str], run_dir: Path, *console: str) -> None:
    for secret in secrets:
        assert not files_containing(run_dir, secret), (secret, files_containing(run_dir, secret))
        for text in console:
            assert secret not in text, secret


def test_a_host_password_is_never_shown(tmp_path: Path, own_target: str) -> None:
    host = own_target.replace("http://", "http://user:s3cret@")
    out = tmp_path / "out"
    result = run_memload("run", "smoke", "--host", host, "--duration", "8s", "--out", str(out), timeout=120)
    assert result.returncode in (0, 1), result.stderr[-3000:]
    run_dir = only_run_dir(out)
    assert int(aggregated_stats(run_dir)["Request Count"]) > 0
    assert "user:***@127.0.0.1" in (run_dir / "run.json").read_text()
    # the password, and the Basic credentials a client might derive from it ("user:s3cret" in base64)
    assert_nowhere(["s3cret", "dXNlcjpzM2NyZXQ"], run_dir, result.stdout, result.stderr)


def test_planted_api_keys_reach_no_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["run", "smoke", "--duration", "8s", "--workers", "2", "--out", str(out)]
    result = run_memload(*args, timeout=150, env=PLANTED)
    assert result.returncode in (0, 1), result.stderr[-3000:]
    run_dir = only_run_dir(out)
    # The target memload started reads MEMLOAD_TARGET_TOKEN and wants it; the adapter sends it.
    assert "auth on" in (run_dir / "target.log").read_text()
    stats = aggregated_stats(run_dir)
    assert int(stats["Request Count"]) > 100 and int(stats["Failure Count"]) == 0, stats
    logs = {p.name for p in run_dir.iterdir()}
    assert {"locust.log", "locust-worker-1.log", "locust-worker-2.log", "target.log"} <= logs
    assert_nowhere([*PLANTED.values(), "planted-XYZ"], run_dir, result.stdout, result.stderr)
