"""Templates of the ``[http]`` table: any TOML value whose strings hold ``{placeholder}`` names
(``{{`` and ``}}`` are literal braces). A string that is one placeholder alone (``"{top_k}"``) is
replaced by the value itself (a number stays a number, a list a list); inside longer text the value
is written as text. Header values take ``{env:NAME}``: the environment variable, read when the
adapter starts and never written anywhere."""

from __future__ import annotations

import os
import re
from typing import Any
from urllib.parse import quote

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")
_NAME = re.compile(r"[a-z_]+|env:[A-Za-z_][A-Za-z0-9_]*")


def placeholders(template: Any) -> set[str]:
    """Every placeholder name in ``template`` (in its strings, keys too); ValueError for a malformed
    one (an unclosed brace, an empty name)."""
    if isinstance(template, dict):
        return set().union(*(placeholders(k) | placeholders(v) for k, v in template.items()))
    if isinstance(template, list):
        return set().union(*(placeholders(v) for v in template))
    if not isinstance(template, str):
        return set()
    names = set()
    for match in _PLACEHOLDER.finditer(template):
        name = match.group(1)
        if name is None:
            continue
        if not _NAME.fullmatch(name):
            raise ValueError(f"{{{name}}} is not a placeholder name (write {{{{ and }}}} for literal braces)")
        names.add(name)
    leftover = _PLACEHOLDER.sub("", template)
    if "{" in leftover or "}" in leftover:
        raise ValueError(f"{template!r}: a brace without its pair (write {{{{ and }}}} for literal braces)")
    return names


def render(template: Any, values: dict[str, Any]) -> Any:
    """``template`` with every placeholder replaced from ``values`` (names checked on load)."""
    if isinstance(template, dict):
        return {render(k, values): render(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [render(v, values) for v in template]
    if not isinstance(template, str):
        return template
    whole = _PLACEHOLDER.fullmatch(template)
    if whole is not None and whole.group(1) is not None:
        return _value(whole.group(1), values)

    def text(match: re.Match[str]) -> str:
        if match.group(1) is None:
            return match.group(0)[0]
        value = _value(match.group(1), values)
        return value if isinstance(value, str) else str(value)

    return _PLACEHOLDER.sub(text, template)


def render_path(template: str, values: dict[str, Any]) -> str:
    """A URL path: each value percent-encoded (a memory id with a slash stays one path segment)."""
    quoted = {k: quote(str(v), safe="") for k, v in values.items()}
    return str(render(template, quoted)) if _PLACEHOLDER.search(template) else template


def _value(name: str, values: dict[str, Any]) -> Any:
    if name.startswith("env:"):
        return os.environ.get(name[4:], "")
    return values[name]


def env_names(template: Any) -> list[str]:
    """The environment variables ``template`` reads, in order."""
    return sorted(name[4:] for name in placeholders(template) if name.startswith("env:"))
