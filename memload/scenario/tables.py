"""Reading TOML tables with errors that name the file, the key and what is allowed."""

from __future__ import annotations

import builtins
import math
from collections.abc import Iterable
from typing import Any

from memload.scenario.durations import parse_duration_s

_MISSING = object()


class ScenarioError(ValueError):
    """A scenario that cannot be used; ``str()`` is one line naming file, key and what is allowed."""

    def __init__(self, source: str, key: str | None, message: str) -> None:
        where = f"{source}: {key}: " if key else f"{source}: "
        super().__init__(where + message)
        self.source = source
        self.key = key


class TableReader:
    """Typed getters over one TOML table; ``prefix`` makes keys print as ``load.users``."""

    def __init__(
        self, raw: object, *, source: str, prefix: str, allowed: Iterable[str] | None = None
    ) -> None:
        if not isinstance(raw, dict):
            raise ScenarioError(source, prefix.rstrip(".") or None, f"must be a table, got {raw!r}")
        self.raw: dict[str, Any] = raw
        self.source = source
        self.prefix = prefix
        if allowed is not None:
            self.keys_checked(allowed)

    def error(self, key: str | None, message: str) -> ScenarioError:
        full = f"{self.prefix}{key}" if key else (self.prefix.rstrip(".") or None)
        return ScenarioError(self.source, full, message)

    def keys_checked(self, allowed: Iterable[str]) -> list[str]:
        allowed = tuple(allowed)
        for key in self.raw:
            if key not in allowed:
                raise self.error(key, f"unknown key; allowed: {', '.join(allowed)}")
        return list(self.raw)

    def table(self, key: str, *, required: bool = False) -> TableReader:
        if key not in self.raw:
            if required:
                raise self.error(key, "missing table")
            return TableReader({}, source=self.source, prefix=f"{self.prefix}{key}.")
        return TableReader(self.raw[key], source=self.source, prefix=f"{self.prefix}{key}.")

    def _get(self, key: str, default: Any) -> Any:
        value = self.raw.get(key, default)
        if value is _MISSING:
            raise self.error(key, "missing")
        return value

    def str(self, key: str, *, default: Any = _MISSING, choices: tuple[str, ...] | None = None) -> Any:
        value = self._get(key, default)
        if value is None or value is default:
            return value
        if not isinstance(value, str):
            raise self.error(key, f"must be a string, got {value!r}")
        if choices is not None and value not in choices:
            raise self.error(key, f"unknown value {value!r}; allowed: {', '.join(choices)}")
        return value

    def bool(self, key: builtins.str, *, default: Any = _MISSING) -> Any:
        value = self._get(key, default)
        if not isinstance(value, bool):
            raise self.error(key, f"must be true or false, got {value!r}")
        return value

    def number(self, key: builtins.str, *, default: Any = _MISSING, minimum: float | None = None) -> Any:
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(key, f"must be a number, got {value!r}")
        if not math.isfinite(value):
            raise self.error(key, f"must be a finite number, got {value!r}")
        if minimum is not None and value < minimum:
            raise self.error(key, f"must be at least {minimum:g}, got {value!r}")
        return float(value)

    def int(
        self,
        key: builtins.str,
        *,
        default: Any = _MISSING,
        minimum: builtins.int | None = None,
        maximum: builtins.int | None = None,
    ) -> Any:
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"must be a whole number, got {value!r}")
        if minimum is not None and value < minimum:
            raise self.error(key, f"must be at least {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise self.error(key, f"must be at most {maximum}, got {value}")
        return value

    def duration(self, key: builtins.str, *, default: Any = _MISSING) -> float:
        value = self._get(key, default)
        try:
            return parse_duration_s(value)
        except ValueError as error:
            raise self.error(key, str(error)) from None

    def int_list(self, key: builtins.str, *, minimum: builtins.int = 0) -> list[builtins.int]:
        value = self._get(key, _MISSING)
        if not isinstance(value, list) or not value:
            raise self.error(key, f"must be a non-empty list of whole numbers, got {value!r}")
        for item in value:
            if isinstance(item, bool) or not isinstance(item, int) or item < minimum:
                raise self.error(key, f"every item must be a whole number ≥ {minimum}, got {item!r}")
        return list(value)
