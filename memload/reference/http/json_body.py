r"""Strict JSON request bodies: UTF-8, no NaN or Infinity, no lone surrogates, bounded nesting.

Python's ``json`` accepts all of these by default: ``NaN`` and ``Infinity`` (and ``1e400``) as
numbers, which it then writes back as text that is not JSON; ``"\ud800"`` as a string that
cannot be encoded to UTF-8 (storing it failed with a 500); nesting down to the interpreter's
recursion limit (a ``RecursionError``, another 500). The checks cost next to nothing for a
common body: the depth walk runs only when the body has more brackets than the depth limit, the
surrogate walk only when the body has a ``\uD800``-``\uDFFF`` escape.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, NoReturn

from memload.reference.http.errors import ApiError
from memload.reference.http.limits import MAX_JSON_DEPTH

_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_MAX_FIELD_CHARS = 200

Path = list[str | int]


class _NotJson(ValueError):
    pass


def _reject_constant(name: str) -> NoReturn:
    raise _NotJson(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):  # a JSON number literal is never NaN, but 1e400 is infinite
        raise _NotJson(f"the number {text[:40]} is too large")
    return value


_DECODER = json.JSONDecoder(parse_float=_finite_float, parse_constant=_reject_constant)


def field_name(path: Path) -> str | None:
    """``items[3].content`` for ``["items", 3, "content"]``; None for the body itself."""
    name = ""
    for part in path:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else part)
    if len(name) > _MAX_FIELD_CHARS:
        name = name[: _MAX_FIELD_CHARS - 1] + "…"
    return name or None


def _too_deep(value: dict | list, depth: int) -> Path | None:
    """The path to the first object or array nested deeper than ``MAX_JSON_DEPTH``."""
    if depth > MAX_JSON_DEPTH:
        return []
    children = value.items() if isinstance(value, dict) else enumerate(value)
    for key, child in children:
        if isinstance(child, dict | list):
            path = _too_deep(child, depth + 1)
            if path is not None:
                return [key, *path]
    return None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _lone_surrogate(value: Any) -> Path | None:
    """The path to the first string (or to the object of the first key) that is not valid Unicode."""
    if isinstance(value, str):
        return None if _encodable(value) else []
    children: Any = ()
    if isinstance(value, dict):
        if not all(_encodable(key) for key in value):
            return []
        children = value.items()
    elif isinstance(value, list):
        children = enumerate(value)
    for key, child in children:
        path = _lone_surrogate(child)
        if path is not None:
            return [key, *path]
    return None


def _invalid(message: str, path: Path | None = None) -> ApiError:
    return ApiError(400, message, field=field_name(path or []), error_type="invalid_json")


def parse_object(raw: bytes) -> dict[str, Any]:
    """The body as a JSON object, or a 400 saying why it is not one."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _invalid(f"request body is not UTF-8: {exc.reason} at byte {exc.start}") from None
    try:
        body = _DECODER.decode(text)
    except RecursionError:
        raise _invalid(f"request body is nested deeper than {MAX_JSON_DEPTH} levels") from None
    except ValueError as exc:
        raise _invalid(f"request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise _invalid("request body must be a JSON object")
    if text.count("{") + text.count("[") > MAX_JSON_DEPTH:
        path = _too_deep(body, 1)
        if path is not None:
            raise _invalid(f"request body is nested deeper than {MAX_JSON_DEPTH} levels", path)
    if _SURROGATE_ESCAPE.search(text):
        path = _lone_surrogate(body)
        if path is not None:
            name = field_name(path)
            where = f"'{name}'" if name else "the body"
            raise _invalid(f"{where} holds a lone UTF-16 surrogate (\\ud800-\\udfff): not Unicode", path)
    return body
