"""The acknowledged-write audit, after the load: every memory whose create was acknowledged (or a
sampled share, ``audit_sample``) is read back with a get, at most ``audit_rate`` reads a second. A
memory created and not deleted that is missing is a lost write; one whose delete was acknowledged
that is still there is a resurrected delete. Reads that fail otherwise (5xx, timeouts) are errors,
neither. The log comes from checks_writes.csv (every process's writes, merged on the master); the
result goes to checks_audit.json with the audit's duration. Runs in the runner's process, outside
Locust, through the scenario's adapter on the preflight's client (memload.adapters.preflight)."""

from __future__ import annotations

import csv
import json
import random
import time
from pathlib import Path
from typing import Any

from memload import names as C
from memload.scenario import Scenario

MAX_LISTED = 100  # ids listed in checks_audit.json per kind


def expected_state(path: Path) -> dict[str, tuple[str, bool]]:
    """memory id -> (user, whether it should exist), from the write log in order of time."""
    rows = []
    with open(path, newline="") as file:
        for row in csv.DictReader(file):
            rows.append((float(row[C.CKW_UNIX]), row[C.CKW_KIND], row[C.CKW_USER], row[C.CKW_ID]))
    rows.sort()
    state: dict[str, tuple[str, bool]] = {}
    for _, kind, user, memory_id in rows:
        state[memory_id] = (user, kind == "create")
    return state


def run_audit(scenario: Scenario, host: str, run_dir: Path, *, stop: Any = None) -> dict[str, Any] | None:
    """Read back the acknowledged writes; None when the scenario has no audit or no log was written."""
    options = scenario.checks
    log = run_dir / C.CHECKS_WRITES_CSV
    if "audit" not in options.get("enabled", ()) or not log.exists():
        return None
    from memload.adapters.base import AdapterOptions  # as the preflight: only when there is an audit
    from memload.adapters.preflight import PreflightClient
    from memload.adapters.registry import load_adapter_class

    started = time.monotonic()
    expected = expected_state(log)
    rng = random.Random(f"audit:{scenario.seed}")
    chosen = [(i, e) for i, e in expected.items() if rng.random() < options["audit_sample"]]
    adapter_class = load_adapter_class(scenario.target, base_dir=Path(scenario.path).parent)
    client = PreflightClient(host, timeout_s=scenario.timeout_s)
    adapter = adapter_class(client, options=AdapterOptions.for_scenario(scenario))
    gap_s = 1.0 / float(options["audit_rate"])
    lost: list[str] = []
    resurrected: list[str] = []
    errors = audited = 0
    for n, (memory_id, (user, should_exist)) in enumerate(chosen):
        if stop is not None and stop.is_set():
            break
        wait_s = started + n * gap_s - time.monotonic()
        if wait_s > 0:
            time.sleep(wait_s)
        client.observed.clear()
        reply = adapter.get_memory(user, memory_id)
        status = client.observed[-1].status if client.observed else 0
        found = adapter.found_memories("get_memory", reply) if reply is not None else None
        if found and any(m.id in (memory_id, None) for m in found):
            exists = True
        elif status == 404 or (status == 200 and reply is None):  # mem0 answers a missing id 200 null
            exists = False
        else:
            errors += 1
            continue
        audited += 1
        if should_exist and not exists:
            lost.append(memory_id)
        elif exists and not should_exist:
            resurrected.append(memory_id)
    result = {
        "writes_logged": len(expected),
        "sample": options["audit_sample"],
        "rate_per_s": options["audit_rate"],
        "chosen": len(chosen),
        "audited": audited,
        "expected_present": sum(1 for _, (_, keep) in chosen if keep),
        "lost_writes": len(lost),
        "resurrected_deletes": len(resurrected),
        "errors": errors,
        "duration_s": round(time.monotonic() - started, 3),
        "lost_ids": lost[:MAX_LISTED],
        "resurrected_ids": resurrected[:MAX_LISTED],
    }
    (run_dir / C.CHECKS_AUDIT_JSON).write_text(json.dumps(result, indent=1) + "\n")
    return result


def audited(
    outcome: tuple[str, str], scenario: Scenario, host: str, run_dir: Path, stop: Any, echo: Any
) -> tuple[str, str]:
    """After a completed load and before the target stops (the runner): the audit, if the scenario's
    [checks] has one, and its line on the console; the run's outcome unchanged."""
    if outcome[0] == "completed" and scenario.checks:
        audit = run_audit(scenario, host, run_dir, stop=stop)
        if audit is not None:
            echo(
                f"checks audit: {audit['audited']:,} writes read back in {audit['duration_s']:g} s: "
                f"{audit['lost_writes']} lost, {audit['resurrected_deletes']} deletes resurrected"
            )
    return outcome
