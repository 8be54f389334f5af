"""Named baselines: ``memload baseline save RUN_DIR NAME`` copies a results directory (run.json,
the CSVs, the report) to ``results/baselines/NAME/`` with a ``baseline.json`` saying what it is;
``memload baseline list`` lists them; a comparison names one by NAME."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from memload import names as C
from memload.analysis.errors import ReportError
from memload.analysis.read.rundir import load_meta

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
NOT_COPIED = (C.COMPARE_DIR,)  # a comparison made inside the run is not part of it


class HistoryUsageError(click.ClickException):
    """A usage error of `memload baseline` or `memload history`: one line, exit code 2."""

    exit_code = 2


@dataclass(frozen=True, kw_only=True)
class Baseline:
    name: str
    path: Path
    meta: dict[str, Any]
    saved: dict[str, Any]


def baselines_dir(results: Path) -> Path:
    return Path(results) / C.BASELINES_DIR


def resolve_baseline(name_or_dir: str, results: Path) -> Path:
    """A run directory as given, else the saved baseline NAME; a ReportError naming both places."""
    given = Path(name_or_dir)
    if given.is_dir():
        return given
    saved = baselines_dir(results) / name_or_dir
    if NAME.match(name_or_dir) and saved.is_dir():
        return saved
    raise ReportError(
        f"{name_or_dir!r} is neither a run directory nor a saved baseline in {baselines_dir(results)}"
    )


def save_baseline(run_dir: Path, name: str, results: Path, *, replace: bool = False) -> Path:
    """Copy ``run_dir`` to results/baselines/NAME; a ReportError for a bad name, an existing one
    (unless ``replace``), or a directory that cannot be compared (no run.json, no interval files,
    an incomplete run)."""
    if not NAME.match(name):
        raise ReportError(
            f"baseline name {name!r}: letters, digits, '.', '_' and '-' only, not starting with '.'"
        )
    meta = load_meta(Path(run_dir))
    missing = [f for f in (C.HDR_CSV, C.COUNTS_CSV, C.HISTORY_CSV) if not (Path(run_dir) / f).is_file()]
    if missing:
        raise ReportError(f"{run_dir} lacks {', '.join(missing)}: it could not be compared")
    status = meta.get(C.RUN_EXIT_STATUS)
    if status not in (None, "completed"):
        raise ReportError(
            f"{run_dir} is an incomplete run ({C.RUN_EXIT_STATUS} {status!r}); a baseline must be complete"
        )
    target = baselines_dir(results) / name
    if target.resolve() == Path(run_dir).resolve():
        raise ReportError(f"{run_dir} is already the baseline {name!r}")
    if target.exists() and not replace:
        raise ReportError(f"baseline {name!r} exists ({target}); use --replace to overwrite it")
    staging = target.with_name(f".{name}.saving")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        shutil.copytree(run_dir, staging, ignore=shutil.ignore_patterns(*NOT_COPIED))
        saved = {
            "name": name,
            "source": str(Path(run_dir).resolve()),
            "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        (staging / C.BASELINE_JSON).write_text(json.dumps(saved, indent=2) + "\n", encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise ReportError(f"cannot save baseline {name!r} to {target}: {error.strerror or error}") from None
    return target


def list_baselines(results: Path) -> list[Baseline]:
    found = []
    folder = baselines_dir(results)
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        if not path.is_dir() or path.name.startswith(".") or not (path / C.RUN_JSON).is_file():
            continue
        try:
            meta = load_meta(path)
            saved = (
                json.loads((path / C.BASELINE_JSON).read_text(encoding="utf-8"))
                if (path / C.BASELINE_JSON).is_file()
                else {}
            )
        except (ReportError, OSError, ValueError):
            continue
        found.append(
            Baseline(name=path.name, path=path, meta=meta, saved=saved if isinstance(saved, dict) else {})
        )
    return found


RESULTS_OPTION = click.option(
    "--results",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("results"),
    show_default=True,
    help="Results folder; baselines live in its baselines/ folder.",
)


@click.group("baseline")
def baseline() -> None:
    """Named baselines: save a run as NAME (results/baselines/NAME), list them. Compare against
    one with `memload compare NAME RUN_DIR` or `memload run SCENARIO --baseline NAME`."""


@baseline.command("save")
@click.argument("run_dir", type=click.Path(path_type=Path, file_okay=False))
@click.argument("name")
@RESULTS_OPTION
@click.option("--replace", is_flag=True, help="Overwrite an existing baseline of this name.")
def save(run_dir: Path, name: str, results: Path, replace: bool) -> None:
    """Copy RUN_DIR (with its run.json) to results/baselines/NAME. Exit 2 for a bad name, an
    existing baseline (without --replace), or a run that is incomplete or cannot be compared."""
    try:
        target = save_baseline(run_dir, name, results, replace=replace)
    except ReportError as error:
        raise HistoryUsageError(str(error)) from None
    click.echo(f"baseline {name}: {target}")


@baseline.command("list")
@RESULTS_OPTION
def list_command(results: Path) -> None:
    """The saved baselines: name, scenario, seed, when the run started, its commit, when saved."""
    rows = list_baselines(results)
    if not rows:
        click.echo(f"no baselines in {baselines_dir(results)}")
        return
    click.echo(f"{'name':<20} {'scenario':<16} {'seed':>5}  {'run started':<26} {'commit':<12} saved")
    for b in rows:
        seed = (b.meta.get(C.RUN_SCENARIO) or {}).get("seed", "")
        click.echo(
            f"{b.name:<20} {str(b.meta.get(C.RUN_SCENARIO_NAME, '')):<16} {str(seed):>5}  "
            f"{str(b.meta.get(C.RUN_STARTED_AT, '')):<26} {str(b.meta.get(C.RUN_GIT_COMMIT) or '')[:12]:<12} "
            f"{b.saved.get('saved_at', '')}"
        )
