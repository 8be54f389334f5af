"""`memload serve`: help, the URL on the first stdout line, clean stops, usage errors."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys

import pytest
from click.testing import CliRunner

from memload.reference.cli import serve

OPTIONS = ["--host", "--port", "--db", "--seed", "--token", "--cache", "--no-cache", "--cache-size", "--cache-ttl-s",
           "--error-rate", "--added-latency-ms", "--stall-every-s", "--stall-for-s", "--leak-bytes-per-request",
           "--max-body-bytes", "--idle-timeout-s", "--request-timeout-s", "--log-requests", "--no-log-requests"]


def test_help_documents_every_option():
    result = CliRunner().invoke(serve, ["--help"])
    assert result.exit_code == 0
    for option in OPTIONS:
        assert option in result.output
    for parameter in serve.params:
        assert parameter.help, parameter.name


def test_memload_serve_help_through_the_console_script():
    result = subprocess.run([sys.executable, "-m", "memload", "serve", "--help"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0 and "--stall-every-s" in result.stdout


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_first_stdout_line_is_the_url_and_signals_stop_cleanly(start_target, sig):
    target = start_target()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", target.url)
    assert target.get("/health").json()["status"] == "ok"
    assert target.stop(sig) == 0
    assert target.process.stdout is None or target.process.stdout.closed
    assert "Traceback" not in target.stderr()


def test_default_db_is_a_temporary_file_removed_on_stop(tmp_path):
    process = subprocess.Popen([sys.executable, "-m", "memload", "serve", "--port", "0"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().startswith("http://127.0.0.1:")
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=15)
    assert process.returncode == 0
    db_path = re.search(r"db (\S+memories\.db)", stderr).group(1)
    assert "memload-target-" in db_path
    assert not os.path.exists(db_path)


def test_port_in_use_is_a_clean_error():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "memload", "serve", "--port", str(port)], capture_output=True,
                                text=True, timeout=60)
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("args", [["--stall-every-s", "1", "--stall-for-s", "2"], ["--error-rate", "2"],
                                  ["--cache-size", "0"], ["--port", "70000"], ["--max-body-bytes", "0"],
                                  ["--idle-timeout-s", "0"], ["--request-timeout-s", "-1"]])
def test_bad_options_are_usage_errors(args):
    result = CliRunner().invoke(serve, args)
    assert result.exit_code == 2


def test_serving_beyond_loopback_without_a_token_warns() -> None:
    from memload.reference.cli import is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("::") and not is_loopback("10.0.0.5")
