"""Whether the run itself went as planned, from run.json: a run that did not complete (interrupted,
failed, or still "running" because memload was killed or is still going) is INCOMPLETE, exit code 2;
a run that lost a Locust worker mid-run FAILs (exit 1) unless it was started with
``--allow-lost-workers``; a worker that joined a running test is named (no failure); a run whose
operations did not run in the mix's shares (get and delete turn into creates while a user knows no
memory id) says so. Their notices open the report, before any figure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scipy.stats import binom

from memload import names as C

COMPLETED = "completed"
STATUS_NOTICES = {
    "interrupted": "the run was interrupted: the figures cover what was recorded up to the stop",
    "failed": "the run failed (a harness error): the figures cover what was recorded",
    "running": "run.json says the run is still going: memload was killed, or the run is not over; "
    "the figures cover what was written so far",
}


@dataclass(frozen=True, kw_only=True)
class RunIntegrity:
    incomplete: str | None = None  # why the run is incomplete, or None
    lost_workers: list[str] = field(default_factory=list)  # one line per lost worker
    lost_workers_fail: bool = True
    late_workers: list[str] = field(default_factory=list)  # workers that joined a running test
    aborted: str | None = None  # an abort_on_fail threshold stopped the run
    mix_short: list[str] = field(default_factory=list)  # operations that ran far less than their share
    checks_failed: list[str] = field(
        default_factory=list
    )  # [checks] that fail the run (memload.analysis.checks)

    @property
    def notices(self) -> list[str]:
        """What the report says first."""
        return (
            ([f"INCOMPLETE: {self.incomplete}"] if self.incomplete else [])
            + ([f"ABORTED: {self.aborted}"] if self.aborted else [])
            + [f"LOST WORKER: {line}" for line in self.lost_workers]
            + [f"LATE WORKER: {line}" for line in self.late_workers]
            + [f"MIX NOT RUN AS SAID: {line}" for line in self.mix_short]
            + [f"CHECK FAILED: {line}" for line in self.checks_failed]
        )

    @property
    def fails(self) -> bool:
        lost = bool(self.lost_workers) and self.lost_workers_fail
        return lost or self.aborted is not None or bool(self.checks_failed)


def _lost_worker_line(entry: Mapping[str, Any]) -> str:
    return (
        f"{entry.get('role', 'a worker')} ({entry.get('exit', 'gone')}) after {entry.get('after_s', '?')} s: "
        "its users stopped with it, and the figures cover what it sent until then"
    )


def run_integrity(meta: Mapping[str, Any]) -> RunIntegrity:
    status = meta.get(C.RUN_EXIT_STATUS)
    incomplete = None
    if status is not None and status != COMPLETED:
        incomplete = STATUS_NOTICES.get(str(status), f"run {C.RUN_EXIT_STATUS} is {status!r}")
    lost = meta.get(C.RUN_LOST_WORKERS) or []
    arguments = meta.get(C.RUN_ARGUMENTS) or {}
    return RunIntegrity(
        incomplete=incomplete,
        lost_workers=[_lost_worker_line(e) for e in lost if isinstance(e, Mapping)],
        lost_workers_fail=not (isinstance(arguments, Mapping) and arguments.get("allow_lost_workers")),
        late_workers=[_late_worker_line(e) for e in meta.get(C.RUN_WORKER_HOSTS) or [] if _is_late(e)],
        aborted=_aborted_line(meta.get(C.RUN_ABORTED)),
    )


def _aborted_line(record: Any) -> str | None:
    if not isinstance(record, Mapping):
        return None
    return (
        f"{record.get('address')} {record.get('condition')} failed during the run (measured "
        f"{record.get('measured')} over the run so far, {record.get('after_s')} s after the test started): "
        "abort_on_fail stopped the run there; the figures cover the load until then"
    )


def _is_late(entry: Any) -> bool:
    return isinstance(entry, Mapping) and bool(entry.get(C.WK_LATE))


def _late_worker_line(entry: Mapping[str, Any]) -> str:
    return (
        f"worker {entry.get(C.WK_ID)} on {entry.get(C.WK_HOST)} connected after the test had started: "
        f"the load ran with fewer workers until then (it sent {entry.get(C.WK_REQUESTS, 0):,} requests)"
    )


# an operation "ran far less than its share" below this fraction of its expected count, and so far
# below that chance cannot explain it: a count this low (or lower) has a binomial probability under
# MIX_CHANCE (none of 88 requests with a share of 11 % has 3e-5; none of 20 with 25 %, 3e-3)
MIX_SHORT_FRACTION = 0.5
MIX_CHANCE = 1e-4
ID_OPERATIONS = ("get_memory", "delete_memory")


def mix_short(meta: Mapping[str, Any], figures: Mapping[str, float]) -> list[str]:
    """One line when an operation of the scenario's mix ran far less than its share of the mix's
    requests in the window (``<op>.requests``), with every operation's count and share."""
    scenario = meta.get(C.RUN_SCENARIO)
    raw = scenario.get("mix") if isinstance(scenario, Mapping) else None
    mix = {str(op): float(w) for op, w in (raw or {}).items() if isinstance(w, (int, float)) and w > 0}
    counts = {op: figures.get(f"{op}.requests", 0.0) for op in mix}
    total, weights = sum(counts.values()), sum(mix.values())
    if len(mix) < 2 or total <= 0:
        return []
    short = []
    for op, weight in mix.items():
        share = weight / weights
        if counts[op] < MIX_SHORT_FRACTION * total * share and (
            binom.cdf(counts[op], round(total), share) < MIX_CHANCE
        ):
            short.append(op)
    if not short:
        return []
    ran = "; ".join(
        f"{op} {counts[op]:,.0f} ({counts[op] / total:.1%}, share {mix[op] / weights:.1%})" for op in mix
    )
    line = f"{', '.join(short)} ran far less than its share of the mix's {total:,.0f} requests: {ran}"
    if set(short) & set(ID_OPERATIONS):
        line += (
            ". get_memory and delete_memory store a memory instead while a user knows no memory id: "
            "did the service return the ids of what it stored?"
        )
    return [line]
