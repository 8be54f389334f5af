"""A scenario's ``[capacity]`` table: how capacity runs are analysed and searched (issue 12).

- ``settle_fraction``: the first part of each step (or probe) dropped while it settles (0.2).
- ``slo``: the service-level objectives capacity is measured against, as strings like
  ``"search.p95_ms < 50"`` (``memload capacity --slo`` adds to or replaces them).
- ``probe_duration`` / ``probe_warmup``: each probe of an arrival-rate search (30 s after 10 s).
- ``bracket_pct``: the search stops once its bracket is this narrow (5 %).
- ``max_error_rate``: a probe with more errors than this fails whatever the SLOs say (0.01).
- ``for_rps`` / ``for_users`` and ``headroom``: the report projects how many instances that load
  needs, from the measured capacity at the SLOs, keeping ``headroom`` spare (0.3).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from memload.scenario.tables import TableReader
from memload.scenario.thresholds import Threshold, ThresholdError, parse_slo

KEYS = (
    "settle_fraction",
    "slo",
    "probe_duration",
    "probe_warmup",
    "bracket_pct",
    "max_error_rate",
    "for_rps",
    "for_users",
    "headroom",
)


@dataclass(frozen=True, kw_only=True)
class CapacityOptions:
    settle_fraction: float = 0.2
    slo: tuple[str, ...] = ()
    probe_duration_s: float = 30.0
    probe_warmup_s: float = 10.0
    bracket_pct: float = 5.0
    max_error_rate: float = 0.01
    for_rps: float | None = None
    for_users: int | None = None
    headroom: float = 0.3

    def slos(self) -> list[Threshold]:
        return [parse_slo(text) for text in self.slo]


# a probe's figures come from memload's whole 10 s intervals inside its measured part: two of them
# guarantee at least one
MIN_PROBE_S = 20.0


def check_probe_duration(seconds: float, error: Callable[[str], Exception]) -> None:
    if seconds < MIN_PROBE_S:
        raise error(
            f"must be at least {MIN_PROBE_S:g} s (figures come from whole 10 s intervals), got {seconds:g} s"
        )


def parse_capacity(reader: TableReader) -> CapacityOptions:
    reader.keys_checked(KEYS)
    defaults = CapacityOptions()
    settle = reader.number("settle_fraction", default=defaults.settle_fraction, minimum=0.0)
    if settle >= 0.9:
        raise reader.error("settle_fraction", f"must be below 0.9, got {settle:g}")
    slo = reader.raw.get("slo", [])
    texts = [slo] if isinstance(slo, str) else slo
    if not isinstance(texts, list):
        raise reader.error("slo", 'must be a string or a list like ["search.p95_ms < 50"]')
    for text in texts:
        try:
            parse_slo(text)
        except ThresholdError as error:
            raise reader.error("slo", str(error)) from None
    options = CapacityOptions(
        settle_fraction=settle,
        slo=tuple(texts),
        probe_duration_s=reader.duration("probe_duration", default=defaults.probe_duration_s),
        probe_warmup_s=reader.duration("probe_warmup", default=defaults.probe_warmup_s),
        bracket_pct=reader.number("bracket_pct", default=defaults.bracket_pct, minimum=0.5),
        max_error_rate=reader.number("max_error_rate", default=defaults.max_error_rate, minimum=0.0),
    )
    headroom = reader.number("headroom", default=defaults.headroom, minimum=0.0)
    if headroom >= 1:
        raise reader.error("headroom", f"is the spare fraction of each instance, below 1; got {headroom:g}")
    options = replace(
        options,
        headroom=headroom,
        for_rps=reader.number("for_rps", default=None, minimum=0.001) if "for_rps" in reader.raw else None,
        for_users=reader.int("for_users", minimum=1) if "for_users" in reader.raw else None,
    )
    check_probe_duration(options.probe_duration_s, lambda text: reader.error("probe_duration", text))
    return options
