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

from memload import names as C
from memload.scenario import Scenario

SCHEMA_VERSION = 1
# packages that shape results: the load (locust, gevent, geventhttpclient), the content (faker),
# the figures (hdrhistogram, numpy, pandas) and the plots (matplotlib)
VERSIONED_PACKAGES = (
    "memload",
    "locust",
    "gevent",
    "geventhttpclient",
    "faker",
    "hdrhistogram",
    "numpy",
    "pandas",
    "matplotlib",
)
# keys whose values are secrets ("token", "api_key", "X-API-Key", "Authorization"), but not counts
# like "max_tokens" (run.json showed max_tokens as "***")
SECRET_KEY = re.compile(
    r"api[_-]?key|secret|password|passwd|authorization|bearer|(^|[_-])token$|(^|[_-])key$", re.IGNORECASE
)
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
    for name in VERSIONED_PACKAGES:
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
        C.RUN_SCHEMA_VERSION: SCHEMA_VERSION,
        C.RUN_SCENARIO_NAME: scenario.name,
        C.RUN_SCENARIO_PATH: str(Path(scenario.path).resolve())
        if Path(scenario.path).exists()
        else scenario.path,
        C.RUN_SCENARIO: redact(scenario.to_dict()),
        C.RUN_THRESHOLDS: scenario.thresholds,
        C.RUN_WARMUP_S: scenario.warmup_s,
        C.RUN_ARGUMENTS: redact(arguments),
        C.RUN_HOST: redact(host),
        C.RUN_TARGET: scenario.target,
        C.RUN_TARGET_STARTED: target_started,
        C.RUN_WORKERS: workers,
        C.RUN_VERSIONS: versions(),
        C.RUN_GIT_COMMIT: git_commit(),
        C.RUN_STARTED_AT: iso_utc(started_unix_s),
        C.RUN_ENDED_AT: None,
        C.RUN_START_UNIX: started_unix_s,
        C.RUN_END_UNIX: None,
        C.RUN_EXIT_STATUS: "running",
        C.RUN_MACHINE: {
            "hostname": socket.gethostname(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
    }


def write_run_info(run_dir: Path, info: dict[str, Any]) -> None:
    path = run_dir / C.RUN_JSON
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(info, indent=2, sort_keys=False) + "\n")
    temporary.replace(path)


def finish_run_info(
    run_dir: Path, info: dict[str, Any], *, status: str, ended_unix_s: float | None = None
) -> None:
    ended = ended_unix_s if ended_unix_s is not None else time.time()
    info.update({C.RUN_EXIT_STATUS: status, C.RUN_END_UNIX: ended, C.RUN_ENDED_AT: iso_utc(ended)})
    write_run_info(run_dir, info)
