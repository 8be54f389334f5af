"""What bounds the checks' cost, without any process: the polls' rate cap, the tenant's own memories
drawn in constant time from a bounded ring, the audit's share lowered to ``audit_max`` (reading only
the picked ids of the log), an interrupted load's audit recorded as not run, and
``audit_fails_run = false``, and the isolation check's fast path deciding as the slow one."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from memload import names as C
from memload.adapters.base import FoundMemory
from memload.adapters.reference import ReferenceAdapter, found_in
from memload.analysis.checks.figures import check_analysis
from memload.analysis.checks.read import read_check_files
from memload.checks import audit
from memload.checks import spec as S
from memload.checks.operations import Checker, OwnMemories
from memload.checks.rw import Poller
from memload.checks.state import CheckState, CheckWriter
from memload.scenario import parse_scenario

BASE: dict[str, Any] = {
    "load": {"users": 1, "duration": "5s"},
    "mix": {"create_memory": 1, "search": 1, "get_memory": 1},
}


def scenario(**checks: Any) -> Any:
    return parse_scenario({**BASE, "checks": {"enabled": "all", **checks}}, source="s.toml")


def test_new_keys_have_defaults_and_are_validated() -> None:
    options = scenario().checks
    assert (options["rw_max_rate"], options["audit_max"], options["audit_fails_run"]) == (10.0, 20_000, True)
    options = scenario(rw_max_rate=5, audit_max=10, audit_fails_run=False).checks
    assert (options["rw_max_rate"], options["audit_max"], options["audit_fails_run"]) == (5.0, 10, False)
    with pytest.raises(Exception, match="checks.audit_max"):
        scenario(audit_max=0)


def test_the_poller_admits_at_most_its_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    state = CheckState()
    poller = Poller(state, interval_s=0.05, limit_s=1.0, max_pollers=10, max_rate=5.0)
    admitted = 0
    for _ in range(300):  # 3 s of creates at 100/s
        clock[0] += 0.01
        admitted += poller.admits()
    assert 14 <= admitted <= 1 + 5 * 3  # the rate, plus the first second's token
    over = sum(v for (_, name), v in state.counts.items() if name == S.CK_RW_OVER_RATE)
    assert over == 300 - admitted


def test_own_memories_keep_the_newest_and_never_draw_a_deleted_one() -> None:
    own, rng = OwnMemories(size=4), random.Random(1)
    for n in range(10):
        own.add(f"m{n}", f"text {n}")
    assert sorted(own.texts) == ["m6", "m7", "m8", "m9"] and len(own) == 4
    own.remove("m7")
    own.remove("m9")
    drawn = {own.draw(rng) for _ in range(200)}
    assert drawn == {("m6", "text 6"), ("m8", "text 8")}
    own.remove("m6")
    own.remove("m8")
    assert own.draw(rng) is None


def write_log(path: Path, creates: int, deleted_every: int = 4) -> None:
    rows = ["kind,user_id,memory_id,unix_s"]
    for n in range(creates):
        rows.append(f"create,u{n % 7},id{n},{n}.0")
        if n % deleted_every == 0:
            rows.append(f"delete,u{n % 7},id{n},{n}.5")
    path.write_text("\n".join(rows) + "\n")


def test_the_audit_share_fits_audit_max_and_keeps_an_ids_create_and_delete_together(tmp_path: Path) -> None:
    log = tmp_path / C.CHECKS_WRITES_CSV
    write_log(log, 10_000)
    creates = audit.count_creates(log)
    share = audit.audit_share({"audit_sample": 1.0, "audit_max": 500}, creates)
    assert creates == 10_000 and share == 0.05
    state = audit.expected_state(log, share, "audit:1")
    assert 400 <= len(state) <= 600  # only the picked ids are held: about audit_max of them
    for memory_id, (_, should_exist) in state.items():
        assert should_exist == (int(memory_id[2:]) % 4 != 0)  # a picked id's delete came with it
    assert audit.audit_share({"audit_sample": 0.01, "audit_max": 500}, creates) == 0.01  # already below
    assert audit.expected_state(log) == audit.expected_state(log, 1.0)  # share 1: every id


def checks_dir(tmp_path: Path, audit_json: dict[str, Any]) -> Path:
    CheckWriter(tmp_path).write(CheckState().pop_closed(None))
    (tmp_path / C.CHECKS_AUDIT_JSON).write_text(json.dumps(audit_json))
    return tmp_path


def test_an_interrupted_load_records_that_its_audit_did_not_run(tmp_path: Path) -> None:
    echoed: list[str] = []
    outcome = ("interrupted", "Ctrl-C")
    s = SimpleNamespace(checks={"enabled": ["audit"]})
    assert audit.audited(outcome, s, "http://127.0.0.1:1", tmp_path, None, echoed.append) == outcome
    CheckWriter(tmp_path).write(CheckState().pop_closed(None))
    result = check_analysis(read_check_files(tmp_path), {}, load_end_unix=time.time())
    assert result is not None and "checks.audited" not in result.figures and result.failures == []
    assert result.notes == [
        "checks: the acknowledged-write audit did not run: the load did not complete (interrupted); "
        f"its acknowledged writes are in {C.CHECKS_WRITES_CSV}: `memload audit RUN_DIR --host URL` "
        "reads them back"
    ]
    assert echoed[0].startswith("checks audit: not run: the load did not complete")


LOST = {"audited": 100, "lost_writes": 3, "resurrected_deletes": 0, "duration_s": 0.5, "lost_ids": ["a"]}


def test_lost_writes_fail_the_run_unless_audit_fails_run_is_false(tmp_path: Path) -> None:
    files = read_check_files(checks_dir(tmp_path, LOST))
    failing = check_analysis(files, {}, load_end_unix=time.time())
    assert failing is not None and failing.failures[0].startswith("lost writes: 3 acknowledged creates")
    meta = {C.RUN_SCENARIO: {"checks": {"audit_fails_run": False}}}
    kept = check_analysis(files, meta, load_end_unix=time.time())
    assert kept is not None and kept.failures == [] and kept.figures["checks.failed"] == 0.0
    assert kept.figures["checks.lost_writes"] == 3.0
    assert kept.notes[0].startswith("checks (audit_fails_run = false): lost writes: 3")


def test_a_bounded_or_stopped_audit_says_so(tmp_path: Path) -> None:
    record = {
        **LOST,
        "lost_writes": 0,
        "sample": 1.0,
        "sample_used": 0.05,
        "creates_logged": 400_000,
        "max": 20_000,
        "stopped": True,
        "chosen": 20_000,
    }
    result = check_analysis(read_check_files(checks_dir(tmp_path, record)), {}, load_end_unix=time.time())
    assert result is not None and result.notes == [
        "checks: the audit was stopped by hand after 100 of 20,000 reads",
        "checks: the audit read back a share of 0.05 of 400,000 acknowledged creates "
        "(audit_max = 20000; audit_sample = 1)",
    ]


class SlowReference(ReferenceAdapter):
    """The reference adapter without the isolation check's fast path: every answer read item by item."""

    def answer_items(self, operation: str, reply: Any) -> list[Any] | None:
        return None

    def found_memories(self, operation: str, reply: Any) -> list[FoundMemory] | None:
        return found_in(ReferenceAdapter.answer_items(self, operation, reply))


ANSWERS: list[tuple[str, Any]] = [
    ("search", {"results": [{"id": "a1", "user_id": "alice"}, {"id": "a2"}]}),  # hers
    ("search", {"results": [{"id": "a1", "user_id": "alice"}, {"id": "b1"}]}),  # b1 seen made by bob
    ("list_memories", {"memories": [{"id": "zz", "user_id": "carol"}]}),  # the answer names another
    ("list_memories", {"memories": [{"id": "x", "user_id": 7}, "junk", {"id": ["l"]}]}),  # odd items
    ("get_memory", {"id": "b1", "user_id": "alice"}),  # says hers, but bob created it
    ("get_memory", {"id": "new", "user_id": "alice"}),
    ("search", {"results": "not a list"}),  # nothing usable: not checked
    ("search", {"results": []}),
]


def test_the_isolation_fast_path_decides_as_the_item_by_item_reading() -> None:
    verdicts = []
    for adapter_class in (ReferenceAdapter, SlowReference):
        c = Checker(scenario(rw_sample=0.0), CheckState())
        adapter = adapter_class.__new__(adapter_class)
        alice = SimpleNamespace(user_id="alice", adapter=adapter)
        bob = SimpleNamespace(user_id="bob", adapter=adapter)
        c.created(bob, "b1", "bob's")
        c.created(alice, "a1", "alice's")
        for operation, reply in ANSWERS:
            c.inspect(alice, operation, {}, reply)
        counts = {name: v for (_, name), v in c.state.counts.items()}
        verdicts.append((counts, [e["foreign"] for e in c.state.examples]))
    fast, slow = verdicts
    assert fast == slow
    counts, foreign = fast
    assert counts[S.per_operation(S.CK_ISOLATION_CHECKED, "search")] == 3
    assert counts[S.per_operation(S.CK_ISOLATION_VIOLATIONS, "search")] == 1
    assert counts[S.per_operation(S.CK_ISOLATION_VIOLATIONS, "list_memories")] == 1
    assert counts[S.per_operation(S.CK_ISOLATION_VIOLATIONS, "get_memory")] == 1
    assert foreign == [
        [{"id": "b1", "user_id": None}],
        [{"id": "zz", "user_id": "carol"}],
        [{"id": "b1", "user_id": "alice"}],
    ]


def test_the_lost_write_rate_is_of_every_create_read_back(tmp_path: Path) -> None:
    """A create whose delete was acknowledged had been stored; a lost one's delete fails (404) and
    leaves it expected present: a base of the creates not deleted would over-count the losses."""
    record = {"audited": 300, "audited_present": 240, "lost_writes": 48, "resurrected_deletes": 0}
    result = check_analysis(read_check_files(checks_dir(tmp_path, record)), {}, load_end_unix=time.time())
    assert result is not None and result.figures["checks.lost_write_rate"] == 0.16  # 48 / 300
