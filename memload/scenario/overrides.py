"""Command-line options of `memload run` that override a scenario file (--users, --rate, ...)."""

from __future__ import annotations

from dataclasses import replace

from memload.scenario.durations import format_duration, parse_duration_s
from memload.scenario.load import Arrival, LoadShape
from memload.scenario.model import MAX_TIMEOUT_S, MIN_TIMEOUT_S, Scenario, check_consistency
from memload.scenario.tables import ScenarioError


def apply_overrides(
    scenario: Scenario,
    *,
    target: str | None = None,
    users: int | None = None,
    spawn_rate: float | None = None,
    duration: str | None = None,
    seed: int | None = None,
    rate: float | None = None,
    timeout: str | None = None,
    step_duration: str | None = None,
    warmup: str | None = None,
) -> Scenario:
    """Command-line options that override the file; the result is validated again."""
    arrival = _override_arrival(scenario, users=users, spawn_rate=spawn_rate, rate=rate)
    duration_s = None if duration is None else _cli_duration(duration)
    stepped = scenario.load.steps if scenario.arrival is None else (arrival.steps if arrival else ())
    if duration_s is not None and stepped:
        raise ScenarioError(
            "--duration",
            None,
            f"{scenario.path} runs {len(stepped)} steps of step_duration each "
            f"({scenario.load.duration_s:g} s in all): set --step-duration instead",
        )
    load = scenario.load.with_overrides(users=users, spawn_rate=spawn_rate, duration_s=duration_s)
    if step_duration is not None:
        load, arrival = _override_step_duration(scenario, load, arrival, _cli_duration(step_duration))
    warmup_s = scenario.warmup_s if warmup is None else _cli_duration(warmup, option="--warmup")
    if warmup_s >= load.duration_s:
        _refuse_warmup(scenario, warmup_s, load.duration_s, given=warmup is not None)
    changed = replace(
        scenario,
        load=load,
        arrival=arrival,
        target=target if target is not None else scenario.target,
        seed=seed if seed is not None else scenario.seed,
        timeout_s=scenario.timeout_s if timeout is None else _cli_timeout(timeout),
        warmup_s=warmup_s,
    )
    check_consistency(changed)
    return changed


def _refuse_warmup(scenario: Scenario, warmup_s: float, duration_s: float, *, given: bool) -> None:
    """A warm-up as long as the run leaves nothing to measure: say which option changes it."""
    where = "--warmup" if given else f"{scenario.path}'s warmup"
    suggestion = format_duration(max(1.0, duration_s // 10))
    raise ScenarioError(
        "--warmup",
        None,
        f"the warm-up ({format_duration(warmup_s)}, {where}) must be shorter than the run "
        f"({format_duration(duration_s)}): add a shorter --warmup, e.g. --warmup {suggestion}",
    )


def _override_arrival(
    scenario: Scenario, *, users: int | None, spawn_rate: float | None, rate: float | None
) -> Arrival | None:
    if scenario.arrival is None:
        if rate is not None:
            raise ScenarioError(
                "--rate",
                None,
                f"{scenario.path} is a closed-model scenario (users); "
                "--rate applies to scenarios with an [arrival] table",
            )
        return None
    if users is not None or spawn_rate is not None:
        raise ScenarioError(
            "--users",
            None,
            f"{scenario.path} is an open-model scenario ([arrival]): "
            "use --rate instead of --users/--spawn-rate",
        )
    if rate is None:
        return scenario.arrival
    return replace(scenario.arrival, rate=rate, steps=())


def _cli_duration(text: str, *, option: str = "--duration") -> float:
    try:
        return parse_duration_s(text)
    except ValueError as error:
        raise ScenarioError(option, None, str(error)) from None


def _cli_timeout(text: str) -> float:
    timeout_s = _cli_duration(text, option="--timeout")
    if not MIN_TIMEOUT_S <= timeout_s <= MAX_TIMEOUT_S:
        raise ScenarioError("--timeout", None, f"must be between {MIN_TIMEOUT_S:g} s and 1h, got {text!r}")
    return timeout_s


def _override_step_duration(
    scenario: Scenario, load: LoadShape, arrival: Arrival | None, step_s: float
) -> tuple[LoadShape, Arrival | None]:
    """Every step lasts ``step_s``; the run lasts as many steps as there are."""
    steps = arrival.steps if arrival is not None else load.steps
    if not steps:
        raise ScenarioError("--step-duration", None, f"{scenario.path} has no steps")
    if step_s <= 0:
        raise ScenarioError("--step-duration", None, "must be more than 0 s")
    if arrival is not None:
        arrival = replace(arrival, step_duration_s=step_s)
    return replace(load, step_duration_s=step_s, duration_s=step_s * len(steps)), arrival
