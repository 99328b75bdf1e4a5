"""Every error answer is problem details (RFC 9457): type, title, status, detail, and
``errors``: a list of ``{field, message}`` naming what was wrong."""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from fairs.core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound, TooManyRequests
from fairs.db.integrity import as_conflict, is_busy, is_connection_lost, is_integrity_error, is_timeout

log = logging.getLogger("fairs.api")

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://fairs.readthedocs.io/problems/"
_STATUS = {InvalidInput: 422, Forbidden: 403, NotFound: 404, Conflict: 409, TooManyRequests: 429}
_TITLES = {
    400: "Bad request", 401: "Not signed in", 403: "Not allowed", 404: "Not found",
    405: "Method not allowed", 409: "Conflict", 413: "Request too large", 415: "Unsupported media type",
    422: "Invalid input", 429: "Too many requests", 500: "Internal error", 503: "Unavailable",
}


def problem(status: int, detail: str, code: str, errors: list[dict[str, str]] | None = None,
            instance: str | None = None, **extra: Any) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": TYPE_BASE + code,
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "errors": errors or [],
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    return Response(body, status_code=status, media_type=PROBLEM_JSON)


def domain_error(request: Request[Any, Any, Any], error: DomainError) -> Response[dict[str, Any]]:
    status = next((s for cls, s in _STATUS.items() if isinstance(error, cls)), 400)
    errors = [{"field": p.field, "message": p.message} for p in error.problems]
    response = problem(status, error.detail, error.code, errors, request.url.path, **error.extra)
    if "retry_after_seconds" in error.extra:
        response.headers["Retry-After"] = str(error.extra["retry_after_seconds"])
    return response


_AT = re.compile(r" - at `\$\.?(?P<path>[^`]*)`$")
_NAMED = re.compile(r"(?:missing required field|unknown field) `(?P<name>[^`]+)`")


def _field_of(key: str, message: str) -> tuple[str, str]:
    """msgspec says ``Expected `int`, got `str` - at `$.booths[0].width_m```: the field is the
    path; for a missing or unknown field the field is named in the message itself."""
    if key != "data":
        return key, message
    path = ""
    at = _AT.search(message)
    if at:
        path, message = at.group("path"), message[: at.start()]
    named = _NAMED.search(message)
    if named:
        path = f"{path}.{named.group('name')}" if path else named.group("name")
    return path or "body", message


def validation_error(request: Request[Any, Any, Any], error: ValidationException) -> Response[dict[str, Any]]:
    errors = []
    for item in error.extra or []:
        if isinstance(item, dict):
            field, message = _field_of(str(item.get("key") or item.get("source") or "body"),
                                       str(item.get("message", "")))
            errors.append({"field": field, "message": message})
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or str(error.detail)
    return problem(400, detail, "invalid_request", errors, request.url.path)


def http_error(request: Request[Any, Any, Any], error: HTTPException) -> Response[dict[str, Any]]:
    status = error.status_code
    code = {401: "not_signed_in", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}.get(
        status, "http_error")
    response = problem(status, str(error.detail), code, instance=request.url.path)
    if error.headers:
        response.headers.update(error.headers)
    return response


def _unavailable(request: Request[Any, Any, Any], error: Exception, what: str, code: str,
                 retry_after: int) -> Response[dict[str, Any]]:
    """503 with Retry-After: the database is lost or slow, the request may be retried as it is."""
    log.warning("%s on %s %s: %s", what, request.method, request.url.path, type(error).__name__)
    response = problem(503, f"{what}; retry with the same Idempotency-Key", code,
                       [{"field": "request", "message": "retry"}], request.url.path)
    response.headers["Retry-After"] = str(retry_after)
    return response


def unexpected_error(request: Request[Any, Any, Any], error: Exception) -> Response[dict[str, Any]]:
    if is_integrity_error(error):
        return domain_error(request, as_conflict(error))
    if is_connection_lost(error):
        return _unavailable(request, error, "the database connection was lost", "database_unavailable", 1)
    if is_timeout(error):
        return _unavailable(request, error, "the database is slow to answer right now", "database_timeout", 2)
    if is_busy(error):
        response = problem(409, "many people are asking for the same thing right now; try again in a moment",
                           "busy_try_again", [{"field": "request", "message": "try again"}], request.url.path,
                           retry_after_seconds=1)
        response.headers["Retry-After"] = "1"
        return response
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return problem(500, "an unexpected error happened; it has been logged", "internal_error",
                   instance=request.url.path)


EXCEPTION_HANDLERS: dict[Any, Any] = {
    DomainError: domain_error,
    ValidationException: validation_error,
    HTTPException: http_error,
    Exception: unexpected_error,
}
