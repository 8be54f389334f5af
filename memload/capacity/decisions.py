"""The arrival-rate search of `memload capacity` as pure decisions: which rate to probe next.

A ramp brackets the limit (each probe doubles the rate until one fails its SLOs, or the first
probe already fails and the rate halves until one passes), then bisection narrows the bracket until
its width is at most ``bracket_pct`` % of its upper end. The answer is the highest rate that passed:
the maximum sustainable arrival rate at the SLOs, measured from the scheduled starts (an open model),
so queueing counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

MAX_PROBES = 14
MIN_RATE = 0.5  # requests/s: below this the search gives up (the service fails at any load)


@dataclass(frozen=True, kw_only=True)
class Probe:
    rate: float  # offered requests/s
    passed: bool
    run_dir: str = ""
    figures: dict[str, float] = field(default_factory=dict)
    failed_slos: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class SearchState:
    start_rate: float
    max_rate: float
    bracket_pct: float
    probes: tuple[Probe, ...] = ()

    @property
    def best(self) -> float | None:
        """The highest rate that passed."""
        passed = [p.rate for p in self.probes if p.passed]
        return max(passed) if passed else None

    @property
    def lowest_failure(self) -> float | None:
        failed = [p.rate for p in self.probes if not p.passed]
        return min(failed) if failed else None

    def with_probe(self, probe: Probe) -> SearchState:
        return replace(self, probes=(*self.probes, probe))


def bracket_narrow(low: float, high: float, bracket_pct: float) -> bool:
    return (high - low) <= high * bracket_pct / 100.0


def next_rate(state: SearchState) -> float | None:
    """The next rate to probe, or None when the search is over."""
    if len(state.probes) >= MAX_PROBES:
        return None
    if not state.probes:
        return state.start_rate
    best, failure = state.best, state.lowest_failure
    if failure is None:  # ramping up: every probe passed
        top = max(p.rate for p in state.probes)
        return None if top >= state.max_rate else min(top * 2.0, state.max_rate)
    if best is None:  # ramping down: every probe failed
        low = failure / 2.0
        return None if low < MIN_RATE else low
    if best >= failure or bracket_narrow(best, failure, state.bracket_pct):
        return None
    return round((best + failure) / 2.0, 3)


def stop_reason(state: SearchState) -> str:
    """Why the search ended, in words for the report."""
    best, failure = state.best, state.lowest_failure
    if best is None:
        return f"every probe failed, down to {failure:g} requests/s"
    if failure is None:
        return f"every probe passed, up to the highest rate allowed ({state.max_rate:g} requests/s)"
    if len(state.probes) >= MAX_PROBES and not bracket_narrow(best, failure, state.bracket_pct):
        return f"stopped after {MAX_PROBES} probes with the bracket {best:g}–{failure:g} requests/s"
    return f"bracketed within {state.bracket_pct:g} %: passes at {best:g}, fails at {failure:g} requests/s"
