"""The proofs of issue 15 against the reference service, with short runs (a minute each; 10 s
intervals give 5 samples per figure after a 10 s warm-up): memload runs, then `memload compare`
as a user runs it, its compare.json read back. Run by tests/truth/test_compare_truth.py (slow) and
printed by benchmarks/bench_compare.py.

- cache: the reference service's response cache off (baseline) against on (candidate), same
  seed and scenario, llm_chat only, on the gpt-3.5-turbo latency profile (a miss ~0.6 s; a hit
  answered at once) or another ("fast": a miss p95 ~4 ms of simulated generation); the 15 s warm-up
  fills the cache (300 questions), so the steady window sees it warm. llm_chat.p95_ms must be
  "improved" by far more than 20 %.
- identical: pairs of runs with the same settings; every figure should be "~", and the share of
  figures called changed is the measured false-positive rate.
- added latency: `[reference] added_latency_ms_on = "search=MS"` in the candidate only; 20 ms must
  be a real regression of search.p95_ms; 1 ms on a figure of ~4 ms is reported with its interval.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from memload_cli import run_memload

SCENARIO = """
name = "{name}"
seed = {seed}
warmup = "{warmup_s}s"
[load]
users = 10
spawn_rate = 10
duration = "{duration_s}s"
[pacing]
wait = "between"
min_s = 0.01
max_s = 0.05
[mix]
{mix}
[llm]
model = "{model}"
[reference]
{reference}
"""
MIXED = "search = 4\ncreate_memory = 2\nllm_chat = 2"
CHAT_ONLY = "llm_chat = 1"


def memload_run(
    work: Path,
    name: str,
    *,
    reference: str = "",
    mix: str = MIXED,
    scenario: str = "compare-proof",
    seed: int = 15,
    duration_s: int = 60,
    warmup_s: int = 10,
    model: str = "fast",
) -> Path:
    """One `memload run` of the proof scenario; its run directory."""
    path = work / f"{name}.toml"
    text = SCENARIO.format(
        name=scenario,
        seed=seed,
        duration_s=duration_s,
        warmup_s=warmup_s,
        mix=mix,
        reference=reference,
        model=model,
    )
    path.write_text(text)
    out = work / name
    result = run_memload("run", str(path), "--out", str(out), "--quiet", timeout=duration_s + 180)
    if result.returncode not in (0, 1):
        raise RuntimeError(f"memload run {name}: exit {result.returncode}: {result.stderr[-2000:]}")
    return next(p for p in out.iterdir() if p.is_dir())


def memload_compare(
    baseline: Path, candidate: Path, *options: str, more: list[Path] | None = None
) -> tuple[int, dict[str, Any]]:
    """`memload compare` (exit code, compare.json) into CANDIDATE/compare/ (or ``--out``); ``more``:
    runs placed after BASELINE (--runs-per-side: the rest of both sides, in order)."""
    runs = [str(baseline), *map(str, more or []), str(candidate)]
    if more:  # the baseline side's other runs, then the candidate, then its other runs
        half = len(more) // 2
        runs = [str(baseline), *map(str, more[:half]), str(candidate), *map(str, more[half:])]
    result = run_memload("compare", *runs, "--quiet", *options, timeout=300)
    if result.returncode not in (0, 1):
        raise RuntimeError(f"memload compare: exit {result.returncode}: {result.stderr[-2000:]}")
    out = Path(options[options.index("--out") + 1]) if "--out" in options else candidate / "compare"
    return result.returncode, json.loads((out / "compare.json").read_text())


def rows_of(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["address"]: row for row in document["candidates"][0]["rows"]}


def proof_cache(work: Path, model: str = "gpt-3.5-turbo") -> dict[str, Any]:
    common = {"mix": CHAT_ONLY, "warmup_s": 15, "scenario": "compare-cache", "model": model}
    off = memload_run(work, "cache-off", reference="cache = false", **common)
    on = memload_run(work, "cache-on", reference="cache = true", **common)
    code, document = memload_compare(off, on)
    return {"exit": code, "rows": rows_of(document), "verdict": document["verdict"]}


def proof_identical(work: Path, pairs: int) -> list[dict[str, Any]]:
    """``pairs`` pairs of runs with identical settings, each compared."""
    found = []
    for index in range(pairs):
        a = memload_run(work, f"same-{index}-a")
        b = memload_run(work, f"same-{index}-b")
        code, document = memload_compare(a, b)
        found.append({"exit": code, "rows": rows_of(document), "baseline": a, "candidate": b})
    return found


def identical_pairs_in(folders: list[Path]) -> list[dict[str, Any]]:
    """The identical pairs already run in ``folders`` (same-N-a / same-N-b), compared again."""
    found = []
    for folder in folders:
        for a_dir in sorted(Path(folder).glob("same-*-a")):
            a = next(p for p in a_dir.iterdir() if p.is_dir())
            b = next(p for p in a_dir.with_name(a_dir.name[:-1] + "b").iterdir() if p.is_dir())
            code, document = memload_compare(a, b)
            found.append({"exit": code, "rows": rows_of(document), "baseline": a, "candidate": b})
    return found


def proof_added_latency(work: Path, baseline: Path, ms: float) -> dict[str, Any]:
    candidate = memload_run(work, f"search-plus-{ms:g}ms", reference=f'added_latency_ms_on = "search={ms:g}"')
    code, document = memload_compare(baseline, candidate)
    return {"exit": code, "rows": rows_of(document), "verdict": document["verdict"]}


def proof_runs_per_side(work: Path, runs: int, ms: float) -> dict[str, Any]:
    """``runs`` baseline runs and ``runs`` runs with ``ms`` added to search, alternating (so the
    machine's drift falls on both sides), compared with --runs-per-side."""
    bases, slows = [], []
    for index in range(runs):
        bases.append(memload_run(work, f"side-base-{index}"))
        slows.append(
            memload_run(
                work, f"side-plus-{ms:g}ms-{index}", reference=f'added_latency_ms_on = "search={ms:g}"'
            )
        )
    out = work / "sides-compare"
    options = ("--runs-per-side", str(runs), "--out", str(out))
    code, document = memload_compare(bases[0], slows[0], *options, more=bases[1:] + slows[1:])
    return {"exit": code, "rows": rows_of(document), "verdict": document["verdict"]}


def changed(rows: dict[str, dict[str, Any]]) -> list[str]:
    return sorted(address for address, row in rows.items() if row["verdict"] != "~")


def row_line(rows: dict[str, dict[str, Any]], address: str) -> str:
    """``search.p95_ms 4.1 -> 5.2 (+26.8 %, 95 % CI [+20.1 %, +31.0 %], p 0.008): regressed``"""
    if address not in rows:
        return f"{address}: not compared (absent from a run)"
    row = rows[address]

    def number(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.4g}"

    def pct(value: float | None) -> str:
        return "n/a" if value is None else f"{value:+.1f} %"

    p = "n/a" if row["p_value"] is None else f"{row['p_value']:.2g}"
    return (
        f"{row['address']} {number(row['baseline'])} -> {number(row['candidate'])} ({pct(row['change_pct'])}, "
        f"95 % CI [{pct(row['ci_low_pct'])}, {pct(row['ci_high_pct'])}], p {p}): {row['verdict']}"
    )
