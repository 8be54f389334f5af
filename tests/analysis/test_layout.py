"""analysis/ stays small: every module at most 300 lines, every folder at most 12 modules."""

from __future__ import annotations

from pathlib import Path

ANALYSIS = Path(__file__).resolve().parents[2] / "analysis"
MAX_LINES = 300
MAX_MODULES = 12


def test_modules_are_small() -> None:
    long = {
        str(p.relative_to(ANALYSIS)): n
        for p in ANALYSIS.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_folders_hold_few_modules() -> None:
    folders = {p.parent for p in ANALYSIS.rglob("*.py")}
    crowded = {
        str(f.relative_to(ANALYSIS)): n for f in folders if (n := len(list(f.glob("*.py")))) > MAX_MODULES
    }
    assert crowded == {}
