"""Reading request bodies and query strings; each problem is an ``ApiError`` naming the field."""

from __future__ import annotations

import json
import sys
from typing import Any

from flask import Request

from memload.reference.http.errors import ApiError
from memload.reference.http.json_body import parse_object
from memload.reference.http.limits import MAX_CONTENT_BYTES, MAX_ID_CHARS


def json_object(request: Request) -> dict[str, Any]:
    """The body as a strict JSON object (see ``json_body``), or a 400 saying why it is not one."""
    return parse_object(request.get_data(cache=False))


def optional_string(
    body: dict[str, Any], name: str, *, field: str | None = None, max_chars: int = MAX_ID_CHARS
) -> str | None:
    """A non-empty string field of at most ``max_chars`` characters, or None when absent."""
    field = field or name
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ApiError(400, f"'{field}' must be a string, not {type(value).__name__}", field=field)
    if not value.strip():
        raise ApiError(400, f"'{field}' must not be empty", field=field)
    if len(value) > max_chars:
        raise ApiError(400, f"'{field}' is longer than {max_chars} characters", field=field)
    return value


def string(
    body: dict[str, Any], name: str, *, field: str | None = None, max_chars: int = MAX_ID_CHARS
) -> str:
    """A required non-empty string field of at most ``max_chars`` characters."""
    value = optional_string(body, name, field=field, max_chars=max_chars)
    if value is None:
        raise ApiError(400, f"'{field or name}' is required", field=field or name)
    return value


def content(body: dict[str, Any], name: str = "content", *, field: str | None = None) -> str:
    """Memory content: a non-empty string of at most 64 KiB of UTF-8 (413 above that)."""
    field = field or name
    value = string(body, name, field=field, max_chars=sys.maxsize)
    if len(value) > MAX_CONTENT_BYTES // 4 and len(value.encode("utf-8")) > MAX_CONTENT_BYTES:
        raise ApiError(413, f"'{field}' is larger than {MAX_CONTENT_BYTES} bytes", field=field)
    return value


def optional_integer(
    body: dict[str, Any], name: str, *, minimum: int, maximum: int, field: str | None = None
) -> int | None:
    """An integer field in ``[minimum, maximum]`` (booleans are not integers), or None when absent."""
    field = field or name
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError(400, f"'{field}' must be an integer", field=field)
    if not minimum <= value <= maximum:
        raise ApiError(400, f"'{field}' must be between {minimum} and {maximum}", field=field)
    return value


def integer(
    body: dict[str, Any], name: str, *, default: int, minimum: int, maximum: int, field: str | None = None
) -> int:
    """An integer field in ``[minimum, maximum]``; ``default`` when absent."""
    value = optional_integer(body, name, minimum=minimum, maximum=maximum, field=field)
    return default if value is None else value


def number(body: dict[str, Any], name: str, *, default: float, minimum: float, maximum: float) -> float:
    value = body.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ApiError(400, f"'{name}' must be a number", field=name)
    if not minimum <= value <= maximum:
        raise ApiError(400, f"'{name}' must be between {minimum} and {maximum}", field=name)
    return float(value)


def boolean(body: dict[str, Any], name: str, *, default: bool) -> bool:
    value = body.get(name)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise ApiError(400, f"'{name}' must be true or false", field=name)
    return value


def mapping(body: dict[str, Any], name: str, *, field: str | None = None) -> dict[str, Any]:
    """An optional JSON object field (``{}`` when absent), at most 64 KiB serialised."""
    field = field or name
    value = body.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ApiError(400, f"'{field}' must be a JSON object", field=field)
    if len(json.dumps(value)) > MAX_CONTENT_BYTES:
        raise ApiError(413, f"'{field}' is larger than {MAX_CONTENT_BYTES} bytes", field=field)
    return value


def query_integer(request: Request, name: str, *, default: int, minimum: int, maximum: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"'{name}' must be an integer", field=name) from None
    if not minimum <= value <= maximum:
        raise ApiError(400, f"'{name}' must be between {minimum} and {maximum}", field=name)
    return value


def optional_query_string(request: Request, name: str) -> str | None:
    return optional_string({name: request.args.get(name)}, name)


def query_string(request: Request, name: str) -> str:
    return string({name: request.args.get(name)}, name)
