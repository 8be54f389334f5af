"""Harness errors (issue 11, fault campaign): a bad scenario, a bad option, an output folder that cannot
be made, a target that cannot start: each is ONE line on stderr, exit code 2, no traceback, and a run
directory, if one was made, has run.json closed as "failed". And a 300 KB description, which once
gave 'Argument list too long', runs."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from memload_cli import aggregated_stats, harness_error_line, only_run_dir, run_memload

pytestmark = pytest.mark.integration

BASE = """name = "fault"
target = "reference"
seed = 5
{top}
[load]
users = 2
spawn_rate = 2
duration = {duration}

[pacing]
wait = "between"
min_s = 0
max_s = {max_s}

[mix]
search = 1
{extra}
"""


def scenario(tmp_path: Path, *, top: str = "", duration: str = '"4s"', max_s: str = "0.05", extra: str = ""):
    path = tmp_path / "fault.toml"
    path.write_text(BASE.format(top=top, duration=duration, max_s=max_s, extra=extra))
    return path


def assert_refused(tmp_path: Path, *args: str, says: tuple[str, ...]) -> str:
    """``memload run ARGS`` fails with one line naming every fragment of ``says``; a run directory it
    made (under tmp_path/out) has run.json closed as failed."""
    out = tmp_path / "out"
    result = run_memload("run", *args, "--out", str(out), "--quiet", timeout=120)
    line = harness_error_line(result)
    for fragment in says:
        assert fragment in line, (fragment, line)
    for run_dir in out.iterdir() if out.exists() else []:
        assert json.loads((run_dir / "run.json").read_text())["exit_status"] == "failed", run_dir
    return line


def test_a_binary_scenario_file_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "noise.toml"
    path.write_bytes(b"\xff\xfe\x00" + random.Random(11).randbytes(4096))
    assert_refused(tmp_path, str(path), says=("noise.toml", "not a text file"))


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"duration": "inf"}, "load.duration"),
        ({"duration": "nan"}, "load.duration"),
        ({"duration": "-inf"}, "load.duration"),
        ({"max_s": "nan"}, "pacing.max_s"),
        ({"extra": "[reference]\ncache_size = 0"}, "reference.cache_size"),
    ],
    ids=["duration-inf", "duration-nan", "duration-minus-inf", "pacing-max-nan", "cache-size-0"],
)
def test_a_bad_number_is_refused_at_load_naming_its_key(tmp_path: Path, fields: dict, key: str) -> None:
    path = scenario(tmp_path, **fields)
    assert_refused(tmp_path, str(path), says=("fault.toml", key))


def test_a_300_kb_description_runs(tmp_path: Path) -> None:
    words = random.Random(3).choices(["memory", "search", "recall", "plan", "fact"], k=60_000)
    description = " ".join(words)[:300_000]
    assert len(description) >= 290_000
    path = scenario(tmp_path, top=f'description = "{description}"')
    result = run_memload("run", str(path), "--out", str(tmp_path / "out"), "--quiet", timeout=120)
    assert result.returncode in (0, 1), result.stderr[-3000:]
    assert "Traceback" not in result.stderr and "Argument list too long" not in result.stderr
    run_dir = only_run_dir(tmp_path / "out")
    assert json.loads((run_dir / "run.json").read_text())["exit_status"] == "completed"
    assert int(aggregated_stats(run_dir)["Request Count"]) > 0


@pytest.mark.parametrize("where", ["proc", "under-a-file"])
def test_an_out_folder_that_cannot_be_made(tmp_path: Path, where: str) -> None:
    if where == "proc":
        out = Path("/proc/memload-x")
    else:
        (tmp_path / "plain").write_text("a file, not a folder\n")
        out = tmp_path / "plain" / "sub"
    result = run_memload("run", "smoke", "--out", str(out), "--quiet", timeout=60)
    line = harness_error_line(result)
    assert "cannot make the results directory" in line and str(out) in line, line
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--workers", "50"), ("--workers 50", "cores", "--force")),
        (("--rate", "5"), ("--rate", "closed-model")),
        (("--timeout", "0"), ("--timeout",)),
        (("--timeout", "nan"), ("--timeout",)),
    ],
    ids=["workers-50", "rate-on-closed-model", "timeout-0", "timeout-nan"],
)
def test_a_bad_option_is_refused(tmp_path: Path, args: tuple[str, ...], says: tuple[str, ...]) -> None:
    assert_refused(tmp_path, "smoke", *args, says=says)
    assert not (tmp_path / "out").exists()  # refused before anything was made


def test_a_target_that_cannot_start_closes_the_run_as_failed(tmp_path: Path) -> None:
    # Loads (each number is valid alone) but `memload serve` refuses it: a stall longer than its window.
    path = scenario(tmp_path, extra="[reference]\nstall_every_s = 2\nstall_for_s = 3")
    line = assert_refused(tmp_path, str(path), says=("reference target did not start", "stall"))
    assert line.startswith("memload: run failed:"), line
    run_dir = only_run_dir(tmp_path / "out")
    assert json.loads((run_dir / "run.json").read_text())["exit_status"] == "failed"
    assert not (run_dir / "target-scratch").exists()
