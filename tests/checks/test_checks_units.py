"""The [checks] of issue 20 without any process: the table and its errors, the figure names, the
reference target's correctness faults on its store, the per-process state and its transport, the
checker's verdicts on answers, and the analysis's figures from the files."""

from __future__ import annotations

import json
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gevent
import pytest

from memload import names as C
from memload.adapters.base import AdapterOptions, FoundMemory
from memload.analysis.checks.figures import check_analysis
from memload.analysis.checks.read import read_check_files
from memload.checks import spec as S
from memload.checks.audit import expected_state
from memload.checks.operations import Checker
from memload.checks.state import CheckState
from memload.loadgen.histograms import interval_of
from memload.reference.faults import FaultConfig
from memload.reference.storage.faulty import FaultyStore
from memload.reference.storage.store import NewMemory
from memload.scenario import ScenarioError, parse_scenario
from memload.scenario.thresholds import ThresholdError, parse_thresholds

BASE: dict[str, Any] = {
    "load": {"users": 1, "duration": "5s"},
    "mix": {"create_memory": 1, "search": 1, "get_memory": 1},
}


def scenario(checks: dict[str, Any] | None = None, **top: Any) -> Any:
    raw = {**BASE, **top, **({"checks": checks} if checks is not None else {})}
    return parse_scenario(raw, source="s.toml")


# -- the table -------------------------------------------------------------------------------------
def test_no_table_checks_nothing_and_all_fills_the_defaults() -> None:
    assert scenario().checks == {}
    options = scenario({"enabled": "all"}).checks
    assert options["enabled"] == list(S.CHECKS)
    assert options["search_share"] == 0.2 and options["rw_limit_s"] == 10.0 and options["isolation_fails_run"]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            {"enabled": ["search_hit", "nope"]},
            "s.toml: checks.enabled: unknown check 'nope'; allowed: search_hit",
        ),
        ({"enabled": "all", "search_share": 1.5}, "s.toml: checks.search_share: is a share between 0 and 1"),
        (
            {"enabled": "all", "rw_limit": "10ms"},
            "s.toml: checks.rw_limit: needs 0 < rw_poll_interval <= rw_limit",
        ),
        (
            {"enabled": "all", "colour": 1},
            "s.toml: checks.colour: unknown key; allowed: enabled, search_share",
        ),
    ],
)
def test_a_bad_table_is_one_line_naming_file_and_key(table: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        scenario(table)
    assert str(caught.value).startswith(message), str(caught.value)


def test_a_check_the_adapter_cannot_do_is_an_error_at_load() -> None:
    raw = {"target": "openai", "load": {"users": 1, "duration": "5s"}, "mix": {"llm_chat": 1}}
    with pytest.raises(ScenarioError) as caught:
        parse_scenario({**raw, "checks": {"enabled": ["isolation"]}}, source="s.toml")
    assert str(caught.value) == (
        "s.toml: checks.enabled: target 'openai' cannot check isolation; it supports: no check"
    )
    # the reference adapter declares every check, mem0 too
    assert scenario({"enabled": "all"}, target="reference").checks["enabled"] == list(S.CHECKS)


def test_thresholds_name_checks_figures_and_refuse_unknown_ones() -> None:
    parsed = parse_thresholds({"checks.search.hit_at_k": "> 0.99", "checks.rw_lag_p95_ms": "< 500"})
    assert [t.address for t in parsed] == ["checks.search.hit_at_k", "checks.rw_lag_p95_ms"]
    parse_thresholds({"checks.list_memories.isolation_violations": "== 0", "checks.lost_writes": "== 0"})
    with pytest.raises(ThresholdError, match="unknown metric 'hit_at_k' for 'checks.get_memory'"):
        parse_thresholds({"checks.get_memory.hit_at_k": "> 0.9"})


# -- the reference target's faults --------------------------------------------------------------
def store(tmp_path: Path, **faults: float) -> FaultyStore:
    return FaultyStore(tmp_path / "m.db", FaultConfig(**faults), seed=1)


def add(s: FaultyStore, user: str, text: str) -> str:
    return s.add_many([NewMemory(user_id=user, content=text)])[0].id


def test_index_delay_keeps_a_memory_out_of_search_but_not_out_of_get(tmp_path: Path) -> None:
    s = store(tmp_path, index_delay_ms=100)
    memory_id = add(s, "u1", "my cat is called Ada")
    assert s.get(user_id="u1", memory_id=memory_id) is not None
    assert s.search(user_id="u1", query="my cat is called Ada", top_k=3) == []
    gevent.sleep(0.15)
    assert [r.id for r in s.search(user_id="u1", query="my cat is called Ada", top_k=3)] == [memory_id]


def test_a_memory_deleted_before_it_is_indexed_stays_out(tmp_path: Path) -> None:
    s = store(tmp_path, index_delay_ms=50)
    memory_id = add(s, "u1", "gone before indexed")
    assert s.delete(user_id="u1", memory_id=memory_id)
    gevent.sleep(0.1)
    assert s.search(user_id="u1", query="gone before indexed", top_k=3) == []


def test_write_drop_acknowledges_an_id_and_stores_nothing_at_its_rate(tmp_path: Path) -> None:
    s = store(tmp_path, write_drop_rate=0.25)
    ids = [add(s, "u1", f"memory {i}") for i in range(2000)]
    missing = sum(1 for i in ids if s.get(user_id="u1", memory_id=i) is None)
    assert missing == s.dropped and 0.22 < missing / 2000 < 0.28


def test_a_leak_answers_with_another_users_memory_naming_its_owner(tmp_path: Path) -> None:
    s = store(tmp_path, cross_tenant_leak_rate=0.1)
    for i in range(50):
        add(s, f"u{i % 5}", f"text number {i}")
    leaked = [
        any(r.user_id != "u1" for r in s.search(user_id="u1", query="text number", top_k=5))
        for _ in range(2000)
    ]
    assert 0.08 < sum(leaked) / 2000 < 0.12
    records, _ = s.list_page(user_id="u2", namespace=None, limit=20, offset=0)
    assert all(r.user_id in {f"u{i}" for i in range(5)} for r in records)


def test_a_stale_search_misses_the_recent_writes(tmp_path: Path) -> None:
    s = store(tmp_path, stale_cache_rate=1.0, stale_cache_age_ms=60_000)
    add(s, "u1", "fresh news about the garden")
    assert s.search(user_id="u1", query="fresh news about the garden", top_k=3) == []
    (tmp_path / "old").mkdir()
    s0 = store(tmp_path / "old", stale_cache_rate=1.0, stale_cache_age_ms=1)
    memory_id = add(s0, "u1", "old enough to be seen")
    time.sleep(0.01)
    assert [r.id for r in s0.search(user_id="u1", query="old enough to be seen", top_k=3)] == [memory_id]


def test_faults_are_off_by_default_and_rates_are_fractions() -> None:
    assert not FaultConfig().breaks_correctness
    assert FaultConfig(index_delay_ms=1).breaks_correctness
    with pytest.raises(ValueError, match="write_drop_rate must be between 0 and 1"):
        FaultConfig(write_drop_rate=1.5)
    with pytest.raises(ScenarioError, match="reference.stale_cache_rate: is a fraction between 0 and 1"):
        scenario(reference={"stale_cache_rate": 2})


# -- state, transport, the checker ----------------------------------------------------------------
def test_worker_state_merges_on_the_master_and_leaves_the_worker_empty() -> None:
    workers = [CheckState(), CheckState()]
    now = time.time()
    for n, worker in enumerate(workers):
        worker.count(S.CK_SEARCH_CHECKED, 10 + n, unix_s=now)
        for lag in (100.0, 200.0 * (n + 1)):
            worker.record_ms(S.CK_RW_LAG, lag, unix_s=now)
        worker.example({"n": n})
        worker.wrote("create", f"u{n}", f"id{n}")
    master = CheckState(max_examples=1)
    for worker in workers:
        master.merge(worker.drain())
        assert not worker.counts and not worker.histograms and not worker.writes and not worker.examples
    assert master.counts[(interval_of(now), S.CK_SEARCH_CHECKED)] == 21
    histogram = master.histograms[(interval_of(now), S.CK_RW_LAG)]
    assert histogram.get_total_count() == 4 and histogram.get_max_value() == pytest.approx(400_000, rel=1e-3)
    assert master.examples == [{"n": 0}] and master.examples_seen == 2  # kept: bounded
    assert sorted(w[2] for w in master.writes) == ["id0", "id1"]


def test_a_drained_payload_carries_counts_histograms_examples_and_writes() -> None:
    worker, master = CheckState(), CheckState(max_examples=1)
    now = time.time()
    worker.count(S.CK_SEARCH_CHECKED, 7, unix_s=now)
    worker.record_ms(S.CK_RW_LAG, 250.0, unix_s=now)
    worker.example({"a": 1})
    worker.example({"a": 2})
    worker.wrote("create", "u", "id1")
    master.merge(worker.drain())
    master.merge(worker.drain())  # empty
    closed = master.pop_closed(None)
    assert closed.counts[(interval_of(now), S.CK_SEARCH_CHECKED)] == 7
    histogram = closed.histograms[(interval_of(now), S.CK_RW_LAG)]
    assert histogram.get_total_count() == 1 and abs(histogram.get_max_value() / 1000 - 250) < 0.5
    assert (
        closed.examples == [{"a": 1}]
        and closed.examples_seen == 2
        and [w[2] for w in closed.writes] == ["id1"]
    )


class FakeAdapter:
    def answer_items(self, operation: str, reply: Any) -> list[Any] | None:
        return None  # no fast path: every answer read item by item

    def found_memories(self, operation: str, reply: Any) -> list[FoundMemory] | None:
        return [FoundMemory(id=i.get("id"), user_id=i.get("user_id")) for i in reply["items"]]


def tenant(user: str) -> Any:
    return SimpleNamespace(user_id=user, adapter=FakeAdapter())


def checker(**options: Any) -> Checker:
    s = scenario({"enabled": "all", "rw_sample": 0.0, **options})
    return Checker(s, CheckState())


def counted(c: Checker, name: str) -> int:
    return sum(v for (_, n), v in c.state.counts.items() if n == name)


def test_an_answer_with_another_users_memory_is_a_violation_with_its_request_kept() -> None:
    c = checker()
    alice, bob = tenant("alice"), tenant("bob")
    c.created(bob, "b1", "bob's text")
    c.created(alice, "a1", "alice's text")
    c.inspect(alice, "search", {"query": "q"}, {"items": [{"id": "a1"}]})
    c.inspect(alice, "search", {"query": "q"}, {"items": [{"id": "a1"}, {"id": "b1"}]})  # known as bob's
    c.inspect(alice, "list_memories", {}, {"items": [{"id": "zz", "user_id": "carol"}]})  # the answer says
    c.inspect(alice, "get_memory", {}, {"items": [{"id": "old", "user_id": "alice"}]})  # unknown id, hers
    c.inspect(alice, "search", {}, None)  # a failed request: not checked
    assert counted(c, S.per_operation(S.CK_ISOLATION_CHECKED, "search")) == 2
    assert counted(c, S.per_operation(S.CK_ISOLATION_VIOLATIONS, "search")) == 1
    assert counted(c, S.per_operation(S.CK_ISOLATION_VIOLATIONS, "list_memories")) == 1
    assert counted(c, S.per_operation(S.CK_ISOLATION_VIOLATIONS, "get_memory")) == 0
    assert c.state.examples[0]["foreign"] == [{"id": "b1", "user_id": None}]
    assert [w[0] for w in c.state.writes] == ["create", "create"]


def test_self_retrieval_counts_hits_at_1_and_k_and_reciprocal_ranks() -> None:
    c = checker(hit_k=2)
    alice = tenant("alice")
    for answer in (["a1", "x"], ["x", "a1"], ["x", "y", "a1"], ["x"]):
        c.retrieved(alice, "a1", {"items": [{"id": i} for i in answer]})
    assert counted(c, S.CK_SEARCH_CHECKED) == 4
    assert counted(c, S.CK_SEARCH_HIT_1) == 1 and counted(c, S.CK_SEARCH_HIT_K) == 2
    assert counted(c, S.CK_SEARCH_RR) == 1_500_000


def test_a_deleted_memory_is_no_longer_asked_for() -> None:
    c = checker(search_share=1.0)
    alice = tenant("alice")
    c.created(alice, "a1", "one")
    c.created(alice, "a2", "two")
    c.deleted(alice, "a1")
    assert {c.wants_self_retrieval(alice) for _ in range(20)} == {("a2", "two")}


# -- the analysis --------------------------------------------------------------------------------
def write_files(run_dir: Path, state: CheckState) -> None:
    from memload.checks.state import CheckWriter

    CheckWriter(run_dir).write(state.pop_closed(None))


def test_figures_from_the_files_and_the_failure_lines(tmp_path: Path) -> None:
    t0 = interval_of(time.time()) - 100
    state = CheckState()
    state.count(S.CK_SEARCH_CHECKED, 100, unix_s=t0)
    state.count(S.CK_SEARCH_HIT_1, 80, unix_s=t0)
    state.count(S.CK_SEARCH_HIT_K, 90, unix_s=t0)
    state.count(S.CK_SEARCH_RR, 85_000_000, unix_s=t0)
    for lag in range(1, 101):
        state.record_ms(S.CK_RW_LAG, float(lag * 10), unix_s=t0)
    state.count(S.CK_RW_VISIBLE, 90, unix_s=t0)
    state.count(S.CK_RW_NEVER, 10, unix_s=t0)
    state.count(S.CK_RW_NEVER, 50, unix_s=t0 + 30)  # too late to be seen to the end: left out
    state.count(S.per_operation(S.CK_ISOLATION_CHECKED, "search"), 200, unix_s=t0)
    state.count(S.per_operation(S.CK_ISOLATION_VIOLATIONS, "search"), 2, unix_s=t0)
    state.example({"operation": "search", "user_id": "u1", "foreign": [{"id": "x", "user_id": "u2"}]})
    write_files(tmp_path, state)
    (tmp_path / C.CHECKS_AUDIT_JSON).write_text(
        json.dumps(
            {
                "audited": 200,
                "lost_writes": 5,
                "resurrected_deletes": 0,
                "duration_s": 1.5,
                "lost_ids": ["l1"],
            }
        )
    )
    meta = {C.RUN_SCENARIO: {"checks": {"rw_limit_s": 5.0}}}
    result = check_analysis(read_check_files(tmp_path), meta, load_end_unix=t0 + 35)
    assert result is not None
    f = result.figures
    assert (f["checks.search.hit_at_1"], f["checks.search.hit_at_k"], f["checks.search.mrr"]) == (
        0.8,
        0.9,
        0.85,
    )
    assert f["checks.rw_lag_p50_ms"] == pytest.approx(500, rel=0.01) and f[
        "checks.rw_lag_max_ms"
    ] == pytest.approx(1000, rel=0.01)
    assert f["checks.rw_never_visible_share"] == 0.1
    assert f["checks.isolation_violation_rate"] == 0.01 and f["checks.search.isolation_violations"] == 2
    assert f["checks.lost_write_rate"] == 0.025 and f["checks.audit_s"] == 1.5 and f["checks.failed"] == 1.0
    assert result.failures[0].startswith(
        "tenant isolation: 2 of 200 answers (1.00%) held another user's memory"
    )
    assert result.failures[1].startswith("lost writes: 5 acknowledged creates were not there after the load")
    assert result.series["hit_at_k"] == [(t0, 0.9)]


def test_no_files_no_figures_and_nothing_reported_clean(tmp_path: Path) -> None:
    assert read_check_files(tmp_path) is None
    state = CheckState()
    state.count(S.per_operation(S.CK_ISOLATION_CHECKED, "list_memories"), 5)
    write_files(tmp_path, state)
    result = check_analysis(read_check_files(tmp_path), {}, load_end_unix=time.time())
    assert result is not None and result.failures == [] and result.figures["checks.failed"] == 0.0


def test_the_audit_expects_what_the_last_acknowledged_write_says(tmp_path: Path) -> None:
    log = tmp_path / C.CHECKS_WRITES_CSV
    log.write_text("kind,user_id,memory_id,unix_s\ndelete,u,a,3.0\ncreate,u,a,1.0\ncreate,u,b,2.0\n")
    assert expected_state(log) == {"a": ("u", False), "b": ("u", True)}


def test_the_checks_plot_draws_hit_at_k_and_lag_per_interval_with_thresholds(tmp_path: Path) -> None:
    from memload.analysis.checks.plots import CHECKS_FILE, check_plot_specs
    from memload.analysis.plots.kit import THRESHOLD_GID_PREFIX
    from memload.analysis.plots.series import TimeAxis

    t0 = interval_of(time.time()) - 100
    state = CheckState()
    for n, hits in enumerate((10, 8)):
        state.count(S.CK_SEARCH_CHECKED, 10, unix_s=t0 + 10 * n)
        state.count(S.CK_SEARCH_HIT_K, hits, unix_s=t0 + 10 * n)
        state.record_ms(S.CK_RW_LAG, 300.0, unix_s=t0 + 10 * n)
    write_files(tmp_path, state)
    result = check_analysis(read_check_files(tmp_path), {}, load_end_unix=t0 + 60)
    assert result is not None and result.series["hit_at_k"] == [(t0, 1.0), (t0 + 10, 0.8)]
    thresholds = parse_thresholds({"checks.search.hit_at_k": "> 0.9"})
    [(name, _, build)] = list(check_plot_specs(result, TimeAxis.for_run(t0, 60), thresholds))
    figure = build()
    hit_ax, lag_ax = figure.axes
    assert name == CHECKS_FILE and list(hit_ax.lines[0].get_ydata()) == [1.0, 0.8]
    assert [line.get_gid() for line in hit_ax.lines[1:]] == [f"{THRESHOLD_GID_PREFIX}checks.search.hit_at_k"]
    assert list(lag_ax.lines[0].get_ydata()) == [pytest.approx(300, rel=0.01)] * 2
    assert list(check_plot_specs(None, TimeAxis.for_run(t0, 60), thresholds)) == []


def test_the_adapters_read_memories_out_of_their_answers() -> None:
    from memload.adapters.mem0 import Mem0Adapter
    from memload.adapters.openai import OpenAIAdapter
    from memload.adapters.reference import ReferenceAdapter

    reference = ReferenceAdapter(None, options=AdapterOptions())  # type: ignore[arg-type]
    search = {"results": [{"id": "a", "user_id": "u", "content": "t", "score": 1.0}]}
    assert reference.found_memories("search", search) == [FoundMemory(id="a", user_id="u", content="t")]
    assert reference.found_memories("list_memories", {"memories": [{"id": "b", "user_id": "v"}]}) == [
        FoundMemory(id="b", user_id="v")
    ]
    assert reference.found_memories("get_memory", {"id": "c", "user_id": "u"}) == [
        FoundMemory(id="c", user_id="u")
    ]
    assert reference.found_memories("search", None) is None
    mem0 = Mem0Adapter(None, options=AdapterOptions())  # type: ignore[arg-type]
    item = {"id": "m", "memory": "likes tea", "user_id": "u"}
    expected = [FoundMemory(id="m", user_id="u", content="likes tea")]
    assert mem0.found_memories("search", {"results": [item]}) == expected
    assert mem0.found_memories("list_memories", [item]) == expected  # the platform's bare list
    assert mem0.found_memories("get_memory", item) == expected
    assert mem0.found_memories("get_memory", None) is None  # 200 null: not there
    assert ReferenceAdapter.checks == Mem0Adapter.checks == frozenset(S.CHECKS)
    assert OpenAIAdapter.checks == frozenset()
