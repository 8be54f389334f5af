"""What a long run needs before and while it goes on: a disk estimate that refuses a run the disk
cannot hold, and interim reports written so that a reader never sees a half-written one."""

from __future__ import annotations

import json
import shutil
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from analysis_testkit import GOLDEN_DIR, GOLDEN_FILES
from memload.run import disk, runner
from memload.run.interim import InterimReports
from memload.run.processes import HarnessError
from memload.run.runner import RunRequest
from memload.scenario import load_scenario


def test_the_estimate_grows_with_the_duration_and_the_operations() -> None:
    smoke = load_scenario("smoke")
    day = replace(smoke, load=replace(smoke.load, duration_s=86_400))
    assert disk.estimate_bytes(day, workers=0) > 200 * disk.estimate_bytes(smoke, workers=0)
    fewer = replace(day, mix={"search": 1.0})
    assert disk.estimate_bytes(fewer, workers=0) < disk.estimate_bytes(day, workers=0)
    assert 300e6 < disk.estimate_bytes(day, workers=0) < 2e9  # 24 h of smoke: about half a gigabyte


def test_a_run_the_disk_cannot_hold_is_refused_before_anything_is_made(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(disk, "free_bytes", lambda folder: 1_000_000)  # the edge: the disk
    request = RunRequest(scenario=load_scenario("soak"), out=tmp_path / "results")
    with pytest.raises(
        HarnessError, match=r"would write about [\d,]+ MB under .*, and its disk has 1 MB free"
    ):
        runner.execute(request)
    assert list((tmp_path / "results").iterdir()) == []  # no run directory left behind


def golden_copy(tmp_path: Path) -> Path:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    for name in GOLDEN_FILES:
        shutil.copy(GOLDEN_DIR / name, run_dir / name)
    return run_dir


def test_interim_reports_are_never_seen_half_written(tmp_path: Path) -> None:
    run_dir = golden_copy(tmp_path)
    lines: list[str] = []
    reports = InterimReports(run_dir, every_s=0.001, echo=lines.append)
    done, seen, broken = threading.Event(), [0], []

    def read_while_written() -> None:
        path = run_dir / "report" / "summary.json"
        while not done.is_set():
            try:
                json.loads(path.read_text())
                seen[0] += 1
            except FileNotFoundError:
                if seen[0]:  # once there is a report there is always one
                    broken.append("missing")
            except ValueError as error:
                broken.append(str(error))

    reader = threading.Thread(target=read_while_written)
    reader.start()
    for _ in range(3):
        reports.next_at = 0.0
        reports.tick()
        reports.wait()
    done.set()
    reader.join()
    assert reports.written == 3 and seen[0] > 0 and broken == []
    assert lines[-1].startswith("memload: interim report 3: PASS so far")
    assert sorted(p.name for p in run_dir.iterdir() if p.name.startswith(".report")) == []
