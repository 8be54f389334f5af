"""Small pure pieces of `memload run`: durations, content, shapes, redaction (SSE parsing:
test_openai_stream.py)."""
from __future__ import annotations

import pytest

from memload.loadgen.content import ContentPool, UserContent
from memload.run.run_json import redact
from memload.scenario import load_scenario
from memload.scenario.durations import format_duration, parse_duration_s
from memload.scenario.load import users_at


@pytest.mark.parametrize(("text", "seconds"), [(90, 90), ("30s", 30), ("10m", 600), ("1h30m", 5400),
                                               ("24h", 86400), ("250ms", 0.25), ("2.5", 2.5)])
def test_parse_duration(text, seconds):
    assert parse_duration_s(text) == pytest.approx(seconds)


@pytest.mark.parametrize("bad", ["ten", "5x", "", True, None, -3, "1h-2m"])
def test_parse_duration_rejects(bad):
    with pytest.raises(ValueError):
        parse_duration_s(bad)


def test_format_duration():
    assert format_duration(5400) == "1h30m" and format_duration(0) == "0s"


def test_content_is_repeatable_per_seed_and_user():
    pool = ContentPool.build(3)
    first = [UserContent(pool, seed=3, user_index=1).memory() for _ in range(1)]
    again = [UserContent(pool, seed=3, user_index=1).memory() for _ in range(1)]
    other = UserContent(pool, seed=3, user_index=2)
    assert first == again
    assert [other.memory() for _ in range(5)] != [UserContent(pool, seed=3, user_index=1).memory() for _ in range(5)]
    assert ContentPool.build(3) == pool


def test_content_lengths_have_a_long_tail_within_limits():
    user = UserContent(ContentPool.build(1), seed=1, user_index=0)
    lengths = sorted(len(user.memory()) for _ in range(5000))
    median, p99, longest = lengths[2500], lengths[4950], lengths[-1]
    assert 40 < median < 400
    assert p99 > 4 * median  # a long tail
    assert longest < 64 * 1024


def test_users_at_each_shape():
    ramp = load_scenario("stress").load
    assert users_at(ramp, 0) == 10 and users_at(ramp, ramp.duration_s / 2) == 255
    assert users_at(ramp, ramp.duration_s) is None
    steps = load_scenario("capacity").load
    assert [users_at(steps, t) for t in (0, 44, 45, 359)] == [1, 1, 2, 128]
    assert users_at(steps, 360) is None
    spike = load_scenario("spike").load
    assert [users_at(spike, t) for t in (0, 119, 120, 179, 180)] == [20, 20, 200, 200, 20]
    constant = load_scenario("smoke").load
    assert users_at(constant, 5) == 10 and users_at(constant, 20) is None


def test_redact_hides_secrets_and_url_passwords():
    data = {"api_key": "sk-123", "token": "t", "nested": {"Authorization": "Bearer x"},
            "host": "http://bob:hunter2@127.0.0.1:8000", "users": 5, "empty_token": None}
    clean = redact(data)
    assert clean["api_key"] == clean["token"] == clean["nested"]["Authorization"] == "***"
    assert clean["host"] == "http://bob:***@127.0.0.1:8000" and clean["users"] == 5 and clean["empty_token"] is None


def test_redact_keeps_counts_whose_names_mention_tokens():
    clean = redact({"llm": {"max_tokens": 64, "output_tokens": 3}, "X-API-Key": "k", "MEM0_API_KEY": "m"})
    assert clean["llm"] == {"max_tokens": 64, "output_tokens": 3}
    assert clean["X-API-Key"] == clean["MEM0_API_KEY"] == "***"


@pytest.mark.integration
def test_core_modules_do_not_import_locust():
    """Only the Locust processes import Locust (it monkey-patches the interpreter with gevent)."""
    import subprocess
    import sys

    code = ("import sys, memload.cli, memload.run.cli, memload.run.runner, memload.scenario.model, memload.loadgen.schedule, "
            "memload.loadgen.histograms; print(sorted(m for m in sys.modules if m.split('.')[0] in ('locust', 'gevent')))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"
