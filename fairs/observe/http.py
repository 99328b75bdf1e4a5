"""The request id and the request metrics for the Litestar app, and ``GET /metrics``.

Two pieces, because Litestar runs middleware after routing:

- :class:`RequestContextMiddleware` (outermost route middleware): takes ``X-Request-ID``
  when valid (8–64 of ``A-Z a-z 0-9 . _ -``) or makes one, binds it for the log records and the
  jobs enqueued meanwhile, and notes the start time;
- :func:`before_send` (an app-level hook, so it also sees responses built from exceptions
  raised outside the handler, such as a bad token's 401, and unrouted 404s): puts the id on
  the response, records the latency under the route *template* and writes one access line
  (method, route template, status, duration; never the path, the query, the client address
  or a body).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from litestar import Request, get
from litestar.response import Response

from fairs.api.security import public
from fairs.observe import context, metrics

access_log = logging.getLogger("fairs.access")
_HEADER = context.REQUEST_ID_HEADER.lower().encode("latin-1")
_ID = "fairs_request_id"
_STARTED = "fairs_started"
UNMATCHED = "<unmatched>"


def _request_id(scope: Any) -> str:
    state = scope.setdefault("state", {})
    found: str | None = state.get(_ID)
    if found is None:
        given = next((value for name, value in scope.get("headers", ()) if name == _HEADER), None)
        found = context.valid_request_id(given.decode("latin-1") if given is not None else None)
        state[_ID] = found = found or context.new_request_id()
    return found


class RequestContextMiddleware:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = context.bind_request_id(_request_id(scope))
        scope["state"][_STARTED] = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            context.reset_request_id(token)


async def before_send(message: Any, scope: Any) -> None:
    if message["type"] != "http.response.start" or scope.get("type") != "http":
        return
    request_id = _request_id(scope)
    message["headers"] = [*message.get("headers", ()), (b"x-request-id", request_id.encode("latin-1"))]
    status = int(message["status"])
    method = scope.get("method", "")
    route = scope.get("path_template") or UNMATCHED
    started = scope["state"].get(_STARTED)
    seconds = time.perf_counter() - started if started is not None else 0.0
    if started is not None:
        metrics.observe_request(route, method, status, seconds)
    if access_log.isEnabledFor(logging.INFO):
        access_log.info("%s %s %s %.1fms", method, route, status, seconds * 1000, extra={
            "request_id": request_id, "method": method, "route": route, "status": status,
            "duration_ms": round(seconds * 1000, 1)})


@get("/metrics", guards=[public], include_in_schema=False, media_type=metrics.CONTENT_TYPE)
async def metrics_endpoint(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Prometheus text format. Public to the app (no token): keep it off the public internet
    at the reverse proxy (docs/operations.md#observability)."""
    return Response(await metrics.scrape(request.app.state.clock.now()), media_type=metrics.CONTENT_TYPE)
