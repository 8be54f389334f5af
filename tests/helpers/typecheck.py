"""mypy over the installed layout: memload/ with analysis/ and locustfiles/ as memload.analysis and
memload.locustfiles (setuptools' package-dir). mypy cannot follow that mapping, so this builds a tree
of symbolic links in .venv/typecheck/ that has the installed shape and checks it; paths in mypy's
messages are those of the links (…/memload/analysis/read/rundir.py is analysis/read/rundir.py).

    .venv/bin/python tests/helpers/typecheck.py     # what `make check` and `make test` run
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TREE = ROOT / ".venv" / "typecheck"
MAPPED = {"analysis": "analysis", "locustfiles": "locustfiles"}  # memload.<key> <- folder


def build_tree() -> Path:
    """.venv/typecheck/memload: a link per entry of memload/, plus the mapped folders."""
    if TREE.exists():
        shutil.rmtree(TREE)
    package = TREE / "memload"
    package.mkdir(parents=True)
    for entry in (ROOT / "memload").iterdir():
        if entry.name != "__pycache__":
            (package / entry.name).symlink_to(entry)
    for name, folder in MAPPED.items():
        (package / name).symlink_to(ROOT / folder)
    return package


def main() -> int:
    package = build_tree()
    command = [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"), str(package)]
    return subprocess.run(command, cwd=TREE).returncode


if __name__ == "__main__":
    sys.exit(main())
