"""The acknowledged-write audit, after the load: every memory whose create was acknowledged (or a
sampled share, ``audit_sample``) is read back with a get, at most ``audit_rate`` reads a second. A
memory created and not deleted that is missing is a lost write; one whose delete was acknowledged
that is still there is a resurrected delete. Reads that fail otherwise (5xx, timeouts) are errors,
neither. The log comes from checks_writes.csv (every process's writes, merged on the master); the
result goes to checks_audit.json with the audit's duration. Runs in the runner's process, outside
Locust, through the scenario's adapter on the preflight's client (memload.adapters.preflight)."""

from __future__ import annotations

import csv
import hashlib
import json
import time
from pathlib import Path
from typing import Any

from memload import names as C
from memload.scenario import Scenario

MAX_LISTED = 100  # ids listed in checks_audit.json per kind


def picked(memory_id: str, share: float, seed: object) -> bool:
    """Whether the audit reads ``memory_id`` back: a hash of the id, so that its create and its delete
    are kept or left together, and only the ids picked are ever held in memory."""
    if share >= 1.0:
        return True
    digest = hashlib.blake2b(f"{seed}:{memory_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") < share * 2**64


def count_creates(path: Path) -> int:
    with open(path, newline="") as file:
        return sum(1 for row in csv.DictReader(file) if row[C.CKW_KIND] == "create")


def expected_state(path: Path, share: float = 1.0, seed: object = 0) -> dict[str, tuple[str, bool]]:
    """memory id -> (user, whether it should exist), from the write log in order of time; only the ids
    ``picked`` at ``share``."""
    rows = []
    with open(path, newline="") as file:
        for row in csv.DictReader(file):
            if picked(row[C.CKW_ID], share, seed):
                rows.append((float(row[C.CKW_UNIX]), row[C.CKW_KIND], row[C.CKW_USER], row[C.CKW_ID]))
    rows.sort()
    state: dict[str, tuple[str, bool]] = {}
    for _, kind, user, memory_id in rows:
        state[memory_id] = (user, kind == "create")
    return state


def audit_share(options: dict[str, Any], creates: int) -> float:
    """``audit_sample``, lowered so that about ``audit_max`` ids are read back."""
    share = float(options["audit_sample"])
    return min(share, int(options["audit_max"]) / creates) if creates else share


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
    creates = count_creates(log)
    share = audit_share(options, creates)
    chosen = list(expected_state(log, share, f"audit:{scenario.seed}").items())[: int(options["audit_max"])]
    adapter_class = load_adapter_class(scenario.target, base_dir=Path(scenario.path).parent)
    client = PreflightClient(host, timeout_s=scenario.timeout_s)
    adapter = adapter_class(client, options=AdapterOptions.for_scenario(scenario))
    gap_s = 1.0 / float(options["audit_rate"])
    lost: list[str] = []
    resurrected: list[str] = []
    errors = audited = audited_present = 0
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
        audited_present += should_exist
        if should_exist and not exists:
            lost.append(memory_id)
        elif exists and not should_exist:
            resurrected.append(memory_id)
    result = {
        "creates_logged": creates,
        "sample": options["audit_sample"],
        "sample_used": round(share, 6),  # lower than sample when audit_max bounds the audit
        "max": options["audit_max"],
        "rate_per_s": options["audit_rate"],
        "chosen": len(chosen),
        "audited": audited,
        "expected_present": sum(1 for _, (_, keep) in chosen if keep),
        "audited_present": audited_present,  # reads of creates whose delete was not acknowledged
        "lost_writes": len(lost),
        "resurrected_deletes": len(resurrected),
        "errors": errors,
        "duration_s": round(time.monotonic() - started, 3),
        "stopped": bool(stop is not None and stop.is_set()),  # stopped by hand before every id was read
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
    if "audit" not in scenario.checks.get("enabled", ()):
        return outcome
    if outcome[0] != "completed":
        why = (
            f"the load did not complete ({outcome[0]}); its acknowledged writes are in "
            f"{C.CHECKS_WRITES_CSV}: `memload audit RUN_DIR --host URL` reads them back"
        )
        (run_dir / C.CHECKS_AUDIT_JSON).write_text(json.dumps({C.AUDIT_NOT_RUN: why}, indent=1) + "\n")
        echo(f"checks audit: not run: {why}")
        return outcome
    audit = run_audit(scenario, host, run_dir, stop=stop)
    if audit is not None:
        echo(
            f"checks audit: {audit['audited']:,} writes read back in {audit['duration_s']:g} s: "
            f"{audit['lost_writes']} lost, {audit['resurrected_deletes']} deletes resurrected"
            + (
                f" (a share of {audit['sample_used']:.3g}: audit_max)"
                if audit["sample_used"] < audit["sample"]
                else ""
            )
        )
    return outcome
