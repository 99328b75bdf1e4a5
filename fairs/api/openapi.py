"""What the OpenAPI document says beyond the handlers' own types: how errors look and who
must sign in.

Every error is problem details (`fairs/api/problems.py`), whatever the handler; Litestar
would document only a 400 with its own (different) body. So each operation in the document
declares the problem-details answers the error layer gives: 400 (a request that does not
decode), 401 (a missing or bad token: the token is read on every path, public ones too),
403 (a role or an area the guard refuses; not on public operations), 404, 409, 422, 429 and
503 (the database lost or too slow). Operations behind a guard say they need the bearer
token; public ones need none.
"""

from __future__ import annotations

from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec

from fairs.api.problems import PROBLEM_JSON
from fairs.api.schemas.common import Problem

SIGNED_IN = [{"BearerToken": []}]
_WHY = {
    400: "The request does not decode (the field is named)",
    401: "Not signed in, or the token is bad or expired",
    403: "The caller's role or area may not do this",
    404: "No such object, or not one the caller may see",
    409: "Conflicts with the current state (or busy: try again)",
    422: "Decodes, but a value is not acceptable (the field is named)",
    429: "Too many requests: slow down",
    503: "The database is unavailable or too slow: retry",
}


def _problem(status: int) -> ResponseSpec:
    return ResponseSpec(data_container=Problem, description=_WHY[status], media_type=PROBLEM_JSON,
                        generate_examples=False)


def _is_public(handler: HTTPRouteHandler) -> bool:
    return any(getattr(guard, "__name__", "") == "public" for layer in handler.ownership_layers
               for guard in layer.guards or [])


def document_errors(app: Litestar) -> None:
    """Declare the problem answers and the sign-in of every operation in ``app``'s document."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if not isinstance(handler, HTTPRouteHandler) or not handler.resolve_include_in_schema():
                continue
            public = _is_public(handler)
            statuses = sorted(set(_WHY) - ({403} if public else set()))
            handler.responses = {**{status: _problem(status) for status in statuses}, **(handler.responses or {})}
            if not public:
                handler.security = SIGNED_IN
