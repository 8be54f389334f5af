"""The layout rules of docs/architecture.md, checked on the source: who may import what, and the size
limits (modules of at most 300 lines, folders of at most 12 modules). Reads files only (AST), so
every import counts, those inside functions too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# folder -> the module name it installs as (pyproject.toml, package-dir)
FOLDERS = {"memload": "memload", "analysis": "memload.analysis", "locustfiles": "memload.locustfiles"}
MAX_MODULE_LINES = 300
MAX_MODULES_PER_FOLDER = 12
LOAD_LIBRARIES = ("locust", "gevent", "geventhttpclient", "zmq")


def source_files() -> dict[str, Path]:
    """Every module of the installed package by its dotted name."""
    found = {}
    for folder, package in FOLDERS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join((package, *parts))] = path
    return found


def imports_of(path: Path, module: str) -> set[str]:
    """Absolute names of everything a module imports (relative imports resolved)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's package, one level up per extra dot
                package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
                package = package[: len(package) - node.level + 1]
                base = ".".join([*package, *([base] if base else [])])
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def within(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


MODULES = source_files()
IMPORTS = {module: imports_of(path, module) for module, path in MODULES.items()}


def offending(scope: tuple[str, ...], allowed: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    """Imports of modules in ``scope`` that fall under ``forbidden`` and not under ``allowed``."""
    return sorted(
        f"{module} imports {name}"
        for module, names in IMPORTS.items()
        if within(module, *scope)
        for name in names
        if within(name, *forbidden) and not within(name, *allowed)
    )


def test_the_rules_see_the_whole_package() -> None:
    assert {"memload.run.runner", "memload.analysis.report", "memload.reference.app"} <= set(MODULES)
    assert "memload.analysis.report.write_report" in IMPORTS["memload.run.console"]  # lazy imports count
    assert offending(("memload.run",), (), ("memload.analysis",))  # and would catch the run side


def test_analysis_imports_no_load_library_and_nothing_of_the_run() -> None:
    assert offending(("memload.analysis",), (), LOAD_LIBRARIES) == []
    harness = (
        "memload.run",
        "memload.loadgen",
        "memload.adapters",
        "memload.locustfiles",
        "memload.reference",
    )
    assert offending(("memload.analysis",), ("memload.loadgen.histograms",), harness) == []
    # of the checks (issue 20), only the pure spec: the [checks] table and the figure names
    assert offending(("memload.analysis",), ("memload.checks.spec",), ("memload.checks",)) == []


def test_the_scenario_format_reads_of_the_checks_only_their_table() -> None:
    assert offending(("memload.scenario",), ("memload.checks.spec",), ("memload.checks",)) == []
    assert (
        offending(
            ("memload.checks.spec",), ("memload.scenario.tables", "memload.adapters.registry"), ("memload",)
        )
        == []
    )


def test_the_reference_service_imports_nothing_of_the_harness() -> None:
    own = ("memload.reference",)
    assert offending(own, (*own, "memload.__version__"), ("memload",)) == []


def test_the_run_side_reaches_analysis_only_through_the_report_entry_point() -> None:
    run_side = (
        "memload.run",
        "memload.monitor",
        "memload.distributed",
        "memload.capacity",
        "memload.loadgen",
        "memload.adapters",
        "memload.locustfiles",
    )
    assert offending(run_side, ("memload.analysis.report",), ("memload.analysis",)) == []


def test_the_monitor_imports_no_load_library() -> None:
    assert offending(("memload.monitor",), (), LOAD_LIBRARIES) == []


def test_the_scenario_format_imports_no_load_library_nor_a_later_stage() -> None:
    later = ("memload.run", "memload.loadgen", "memload.analysis", "memload.reference", *LOAD_LIBRARIES)
    assert offending(("memload.scenario",), (), later) == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_are_small(module: str) -> None:
    lines = len(MODULES[module].read_text().splitlines())
    assert lines <= MAX_MODULE_LINES, f"{MODULES[module].relative_to(ROOT)}: {lines} lines"


def test_folders_hold_few_modules() -> None:
    per_folder: dict[Path, int] = {}
    for path in MODULES.values():  # a package's __init__.py counts: it is a module too
        per_folder[path.parent] = per_folder.get(path.parent, 0) + 1
    crowded = {str(p.relative_to(ROOT)): n for p, n in per_folder.items() if n > MAX_MODULES_PER_FOLDER}
    assert crowded == {}


def test_results_file_names_are_written_only_in_memload_names() -> None:
    names: dict[str, object] = {}
    exec((ROOT / "memload" / "names.py").read_text(), names)
    file_names = {
        v for k, v in names.items() if k.isupper() and isinstance(v, str) and v.endswith(FILE_SUFFIXES)
    }
    assert {"run.json", "hdr_histograms.csv", "summary.json"} <= file_names
    literal = sorted(
        f"{module}:{node.lineno} {node.value!r}"
        for module, path in MODULES.items()
        if module != "memload.names"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in file_names
    )
    assert literal == []


FILE_SUFFIXES = (".csv", ".json", ".log", ".html", ".md", ".xml")


def test_every_package_is_in_the_distribution() -> None:
    """A package missing from pyproject.toml's list works in an editable install and is left out of
    a wheel."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    packages = {m for m, p in MODULES.items() if p.name == "__init__.py"}
    assert packages - listed == set()
