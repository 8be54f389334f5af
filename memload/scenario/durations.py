"""Durations as people write them in scenarios and on the command line: ``90``, ``"30s"``,
``"10m"``, ``"1h30m"``, ``"24h"``."""

from __future__ import annotations

import math
import re

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration_s(value: object) -> float:
    """Seconds in ``value``; raises ValueError with what is allowed."""
    if isinstance(value, bool):
        raise ValueError(f"expected a duration like 30s, 10m or 24h, got {value!r}")
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip().replace(" ", "")
        if re.fullmatch(r"\d+(?:\.\d+)?", text):
            seconds = float(text)
        elif text and _PART.sub("", text) == "":
            seconds = sum(float(n) * _UNIT_S[unit] for n, unit in _PART.findall(text))
        else:
            raise ValueError(f"expected a duration like 30s, 10m, 1h30m or 24h, got {value!r}")
    else:
        raise ValueError(f"expected a duration like 30s, 10m or 24h, got {value!r}")
    if not math.isfinite(seconds):
        raise ValueError(f"a duration must be finite, got {value!r}")
    if seconds < 0:
        raise ValueError(f"a duration cannot be negative, got {value!r}")
    return seconds


def format_duration(seconds: float) -> str:
    """``5400`` -> ``"1h30m"``; whole seconds."""
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else "", f"{secs}s" if secs else ""]
    return "".join(parts) or "0s"
