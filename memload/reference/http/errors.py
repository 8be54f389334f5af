"""JSON errors: every failure answers ``{"error": {"type", "message", "field"?}}``.

``field`` names the offending request field (``user_id``, ``items[3].content``) when there is
one. Flask's own HTTP errors (unknown route, wrong method, body too large) get the same shape,
and an unexpected exception becomes a JSON 500 that is logged, never an HTML page.
"""

from __future__ import annotations

import json
import logging

from flask import Flask, Response
from werkzeug.exceptions import HTTPException

log = logging.getLogger("memload.reference")

_TYPES = {
    400: "invalid_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    413: "payload_too_large",
    500: "internal_error",
}


class ApiError(Exception):
    """An error answered to the client with ``status`` and a JSON body."""

    def __init__(
        self, status: int, message: str, *, field: str | None = None, error_type: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.error_type = error_type or _TYPES.get(status, "error")


def json_response(payload: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(payload, separators=(",", ":"), allow_nan=False)  # never NaN: it is not JSON
    return Response(body, status=status, headers=headers, content_type="application/json")


def error_response(error: ApiError) -> Response:
    detail: dict[str, str] = {"type": error.error_type, "message": error.message}
    if error.field is not None:
        detail["field"] = error.field
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
    return json_response({"error": detail}, error.status, headers)


def register_error_handlers(app: Flask, *, max_body_bytes: int) -> None:
    @app.errorhandler(ApiError)
    def _api_error(error: ApiError) -> Response:
        return error_response(error)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        status = error.code or 500
        message = error.description or error.name
        if status == 413:
            message = f"request body is larger than {max_body_bytes} bytes (memload serve --max-body-bytes)"
        return error_response(ApiError(status, message))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unhandled error")
        return error_response(ApiError(500, f"internal error: {type(error).__name__}"))
