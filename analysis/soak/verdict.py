"""The soak analysis in words, for the top of the report's Soak section (and ``memload soak``):
the leak verdict first, then the latency drift and the error bursts."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from memload import names as C
from memload.analysis.soak.analyse import SoakAnalysis
from memload.analysis.soak.drift import DRIFT_P, Drift
from memload.analysis.soak.resources import ResourceTrend
from memload.analysis.soak.trend import Trend, p_text

MINUS = "\u2212"


def number(value: float, *, signed: bool = False) -> str:
    """``+0.2``, ``19.9``, ``−0.013``, ``1,204``: three significant digits (two below 1)."""
    size = abs(value)
    if size < 0.0005:
        text, size = "0", 0.0
    elif size >= 1000:
        text = f"{size:,.0f}"
    else:
        text = f"{size:.3g}" if size >= 1 else f"{size:.2g}"
    sign = MINUS if value < 0 and size else ("+" if signed else "")
    return sign + text


def rate_text(value: float, trend: ResourceTrend, *, signed: bool = False) -> str:
    """``+0.2 MB/h``, ``6/h``."""
    return f"{number(value, signed=signed)}{' ' + trend.unit if trend.unit else ''}/h"


def ci_text(trend: Trend) -> str:
    """``[19.81, 20.07]``: as many decimals as the interval's width needs (two significant)."""
    width = trend.high - trend.low
    if not width > 0 or not math.isfinite(width):
        return f"[{number(trend.low)}, {number(trend.high)}]"
    decimals = min(6, max(0, 1 - math.floor(math.log10(width))))
    return "[" + ", ".join(f"{v:,.{decimals}f}".replace("-", MINUS) for v in (trend.low, trend.high)) + "]"


def clock(unix_s: float) -> str:
    return datetime.fromtimestamp(unix_s, UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def hours_text(hours: float) -> str:
    return f"{hours:.1f} h" if hours < 100 else f"{hours:,.0f} h"


def _projection(soak: SoakAnalysis) -> str:
    found = soak.projection
    if found is None or found.hours is None:
        return ""
    if found.hours == 0:
        return f": already at {found.level_mb:.0f} MB, over {found.limit_mb:g} MB"
    return f": {found.limit_mb:g} MB in {hours_text(found.hours)}"


def _leak_phrase(soak: SoakAnalysis, found: ResourceTrend) -> str:
    assert found.trend is not None
    who = found.name if found.role == C.ROLE_TARGET else f"load generator {found.name}"
    text = (
        f"{who} rising {rate_text(found.trend.slope, found)} {ci_text(found.trend)} "
        f"(Mann–Kendall {p_text(found.trend.p_value)})"
    )
    if found.role == C.ROLE_TARGET and found.column == C.RES_RSS_MB:
        text += _projection(soak)
    return text


def _flat_phrase(found: ResourceTrend) -> str:
    assert found.trend is not None
    return f"{rate_text(found.trend.slope, found, signed=True)} {ci_text(found.trend)}"


def leak_verdict(soak: SoakAnalysis) -> str:
    """``LEAK: …`` naming every leaking resource, or ``no leak found: …`` with the slopes."""
    measured = [t for t in soak.trends if t.trend is not None]
    if not measured:
        return "no leak verdict: no resource samples to fit a trend to"
    if soak.leaks:
        return "LEAK: " + "; ".join(_leak_phrase(soak, t) for t in soak.leaks)
    target = [f"{t.name} {_flat_phrase(t)}" for t in measured if t.role == C.ROLE_TARGET]
    rss = soak.trend_of(C.ROLE_TARGET, C.RES_RSS_MB)
    if target and rss is not None and rss.trend is not None and rss.trend.rising:
        target[0] += f" (below the {number(rss.limit_per_h)} MB/h limit{_projection(soak)})"
    harness = [t for t in measured if t.role != C.ROLE_TARGET and t.column == C.RES_RSS_MB]
    if harness:
        top = max(harness, key=lambda t: t.trend.slope if t.trend is not None else 0.0)
        target.append(f"load generator RSS at most {_flat_phrase(top)} ({top.role})")
    return "no leak found: " + ", ".join(target)


def drift_line(drift: Drift | None) -> str:
    if drift is None:
        return "p95 drift: no p95 in the first or the last window (needs memload's histograms)"
    if drift.p_value is None:
        test = "too few intervals for a test"
    else:
        verdict = "significant" if drift.significant else "not significant"
        test = (
            f"Mann–Whitney U on {drift.first_intervals} and {drift.last_intervals} per-interval p95s: "
            f"{p_text(drift.p_value)}, {verdict} at {DRIFT_P:g}"
        )
    text = (
        f"p95 drift: {number(drift.pct, signed=True)} % (last window {drift.last_p95_ms:.3g} ms against "
        f"the first {drift.first_p95_ms:.3g} ms; {test})"
    )
    if drift.trend is not None:
        t = drift.trend
        text += (
            f"; p95 trend over {t.n} windows {number(t.slope, signed=True)} ms/h "
            f"[{number(t.low)}, {number(t.high)}] (Mann–Kendall {p_text(t.p_value)})"
        )
    return text


def bursts_line(soak: SoakAnalysis) -> str:
    if soak.failures is None:
        return "error bursts: not looked for (needs memload's interval counts)"
    if not soak.bursts:
        return "no error bursts"
    first = soak.bursts[0]
    return (
        f"{len(soak.bursts)} error burst(s); the first at {clock(first.start_unix)}: "
        f"{first.failures:,} failures of {', '.join(first.operations)}"
    )


def soak_lines(soak: SoakAnalysis) -> list[str]:
    """The verdict in words first, then the drift and the bursts, then what could not be done."""
    return [leak_verdict(soak), drift_line(soak.drift), bursts_line(soak), *soak.notes]
