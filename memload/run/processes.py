"""Child processes of a run: the reference target and Locust (master, workers or one process).

Children start in their own session so that a Ctrl-C in the terminal reaches memload only, and
memload stops them in order (load generator first, then the target) and keeps what they wrote.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import requests

from memload import names as C
from memload.run.run_json import redact
from memload.scenario import Scenario

TARGET_START_TIMEOUT_S = 30.0
PR_SET_PDEATHSIG = 1
STOP_GRACE_S = 20.0


class HarnessError(RuntimeError):
    """Something memload itself could not do; one line, exit code 2."""


@dataclass
class Child:
    role: str  # "target", "locust", "locust-master", "locust-worker-1", …
    process: subprocess.Popen
    log: IO | None = None
    scratch_dir: Path | None = None  # removed once the process has stopped
    # Locust's main process is stopped with SIGINT: with a load shape, Locust 2.47 handles SIGTERM
    # only after the shape has ended (an earlier SIGTERM kills it before its quit event, and memload's
    # recorder never flushes); SIGINT is a KeyboardInterrupt that ends the shape and quits in order,
    # workers sending their final reports first.
    stop_signal: int = signal.SIGTERM

    @property
    def pid(self) -> int:
        return self.process.pid

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, *, grace_s: float = STOP_GRACE_S) -> int | None:
        """``stop_signal``, wait, then SIGKILL; returns the exit code."""
        if self.running():
            self.process.send_signal(self.stop_signal)
            try:
                self.process.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.log is not None:
            self.log.close()
        if self.scratch_dir is not None:
            shutil.rmtree(self.scratch_dir, ignore_errors=True)
        return self.process.returncode


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def die_with_parent() -> None:
    """In the child, before exec: SIGTERM it when memload dies, even by SIGKILL (Linux)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def spawn(
    role: str,
    argv: list[str],
    *,
    log_path: Path,
    env: dict[str, str] | None = None,
    stdout: int | None = None,
) -> Child:
    log = open(log_path, "ab")
    process = subprocess.Popen(
        argv,
        stdout=stdout if stdout is not None else log,
        stderr=log,
        stdin=subprocess.DEVNULL,
        env=env,
        start_new_session=True,
        preexec_fn=die_with_parent if sys.platform == "linux" else None,
    )
    return Child(role=role, process=process, log=log)


def reference_target_argv(options: dict[str, object], *, seed: int, db_path: Path) -> list[str]:
    """``memload serve`` on a free loopback port with the scenario's [reference] options."""
    argv = [
        sys.executable,
        "-m",
        "memload",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--db",
        str(db_path),
        "--seed",
        str(seed),
    ]
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        if isinstance(value, bool):
            argv.append(flag if value else "--no-" + key.replace("_", "-"))
        else:
            argv += [flag, str(value)]
    return argv


def start_reference_target(options: dict[str, object], *, seed: int, run_dir: Path) -> tuple[Child, str]:
    """Start the reference target, read its URL from the first stdout line, wait for /health."""
    # The target's database is not a result: it lives in the run directory while the run goes on and is
    # removed when the target stops, so a memload killed by SIGKILL leaves it where the user looks,
    # not in the system's temporary folder.
    scratch = run_dir / C.TARGET_SCRATCH_DIR
    scratch.mkdir()
    argv = reference_target_argv(options, seed=seed, db_path=scratch / "memories.db")
    child = spawn("target", argv, log_path=run_dir / C.TARGET_LOG, stdout=subprocess.PIPE)
    child.scratch_dir = scratch
    deadline = time.monotonic() + TARGET_START_TIMEOUT_S
    url = _read_first_line(child, deadline)
    wait_for_health(url, deadline=deadline)
    return child, url


def _read_first_line(child: Child, deadline: float) -> str:
    import selectors

    assert child.process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(child.process.stdout, selectors.EVENT_READ)
    while time.monotonic() < deadline:
        if selector.select(timeout=0.2):
            line = child.process.stdout.readline().decode().strip()
            if line.startswith("http"):
                return line
        if not child.running():
            break
    child.stop(grace_s=2)
    said = _last_line(child.log.name) if child.log is not None else ""
    raise HarnessError(
        "the reference target did not start" + (f": {said}" if said else "") + " (target.log has its output)"
    )


def _last_line(path: str) -> str:
    try:
        lines = [line.strip() for line in Path(path).read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return ""
    return lines[-1][:200] if lines else ""


def wait_for_health(url: str, *, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/health", timeout=1.0).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise HarnessError(f"the reference target at {url} did not become healthy")


def check_reachable(host: str, *, timeout_s: float = 3.0) -> None:
    """Any HTTP answer from ``host`` will do; no answer is a one-line HarnessError (password redacted)."""
    shown = redact(host)
    try:
        requests.get(host, timeout=timeout_s, allow_redirects=False)
    except requests.exceptions.InvalidURL as error:
        raise HarnessError(f"--host {shown!r} is not a valid URL: {error}") from None
    except requests.exceptions.MissingSchema:
        raise HarnessError(f"--host {shown!r} needs a scheme, e.g. http://{shown}") from None
    except requests.exceptions.ConnectTimeout:
        raise HarnessError(f"cannot reach {shown}: no answer within {timeout_s:g} s") from None
    except requests.exceptions.ConnectionError as error:
        reason = "connection refused" if "refused" in str(error).lower() else _short(error)
        raise HarnessError(f"cannot reach {shown}: {reason}") from None
    except requests.RequestException as error:
        raise HarnessError(f"cannot reach {shown}: {_short(error)}") from None


def _short(error: Exception) -> str:
    text = str(error)
    return text.rsplit(": ", 1)[-1].strip("')\"") if len(text) > 120 else text


def child_env(extra: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    return env


class PreflightFailed(HarnessError):
    """The service refused the preflight: the run ends before any load, its directory removed."""


def preflight(scenario: Scenario, host: str, *, echo: Callable[[str], None]) -> None:
    """One request of each operation before the load (memload.adapters.preflight)."""
    from memload.adapters.preflight import run_preflight

    result = run_preflight(scenario, host)
    for warning in result.warnings:
        echo(f"warning: {warning}")
    if result.fatal:
        raise PreflightFailed(f"{result.fatal} (nothing was load-tested; --no-preflight skips this check)")
