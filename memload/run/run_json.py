"""run.json: what ran, where, with what, and how it ended (schema in results/README.md)."""

from __future__ import annotations

import json
import os
import platform
import re
import socket
import subprocess
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from memload.scenario import Scenario

SCHEMA_VERSION = 1
SECRET_KEY = re.compile(r"token|key|secret|password|authorization", re.IGNORECASE)
REDACTED = "***"


def utc_stamp(unix_s: float) -> str:
    return datetime.fromtimestamp(unix_s, tz=UTC).strftime("%Y%m%dT%H%M%S")


def iso_utc(unix_s: float | None) -> str | None:
    if unix_s is None:
        return None
    return datetime.fromtimestamp(unix_s, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_run_dir(out: Path, scenario_name: str, tag: str | None, started_unix_s: float) -> Path:
    safe = lambda text: re.sub(r"[^A-Za-z0-9_.-]+", "-", text)  # noqa: E731
    base = f"{utc_stamp(started_unix_s)}_{safe(scenario_name)}" + (f"_{safe(tag)}" if tag else "")
    candidate, n = out / base, 1
    while candidate.exists():
        n += 1
        candidate = out / f"{base}-{n}"
    candidate.mkdir(parents=True)
    return candidate


def redact(value: Any, key: str = "") -> Any:
    """Secrets never reach results: keys that look secret, and passwords inside URLs."""
    if key and SECRET_KEY.search(key) and value not in (None, "", False):
        return REDACTED
    if isinstance(value, dict):
        return {k: redact(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    if isinstance(value, str):
        return re.sub(r"(://[^/:@\s]+:)[^@/\s]+@", r"\1" + REDACTED + "@", value)
    return value


def git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            cwd=Path(__file__).resolve().parent,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in ("memload", "locust", "gevent", "pandas", "matplotlib"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return found


def build_run_info(
    *,
    scenario: Scenario,
    arguments: dict[str, Any],
    host: str,
    target_started: bool,
    workers: int,
    started_unix_s: float,
) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "scenario_name": scenario.name,
        "scenario_path": str(Path(scenario.path).resolve())
        if Path(scenario.path).exists()
        else scenario.path,
        "scenario": redact(scenario.to_dict()),
        "thresholds": scenario.thresholds,
        "warmup_s": scenario.warmup_s,
        "arguments": redact(arguments),
        "host": redact(host),
        "target": scenario.target,
        "target_started": target_started,
        "workers": workers,
        "versions": versions(),
        "git_commit": git_commit(),
        "started_at": iso_utc(started_unix_s),
        "ended_at": None,
        "start_unix": started_unix_s,
        "end_unix": None,
        "exit_status": "running",
        "machine": {
            "hostname": socket.gethostname(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
    }


def write_run_info(run_dir: Path, info: dict[str, Any]) -> None:
    path = run_dir / "run.json"
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(info, indent=2, sort_keys=False) + "\n")
    temporary.replace(path)


def finish_run_info(
    run_dir: Path, info: dict[str, Any], *, status: str, ended_unix_s: float | None = None
) -> None:
    ended = ended_unix_s if ended_unix_s is not None else time.time()
    info.update(exit_status=status, end_unix=ended, ended_at=iso_utc(ended))
    write_run_info(run_dir, info)
