"""Errors on pages: the API's problem details, shown as a page a person can act on.

Every exception handler of the API (fairs/api/problems.py) is wrapped: on a page route
(``opt={"page": True}``), or a browser asking for HTML at an unknown address, the problem's
status and detail become the ``error.html`` page in the visitor's language; a page that needs
signing in redirects to the sign-in page and back.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from litestar import Request, Response
from litestar.response import Template

from fairs.web.i18n import N_
from fairs.web.view import LoginRequired, back_to_login, page

Handler = Callable[[Request[Any, Any, Any], Any], Response[Any]]


def is_page(request: Request[Any, Any, Any]) -> bool:
    handler = request.scope.get("route_handler")
    if handler is not None:
        return bool(handler.opt.get("page"))
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "json" not in accept


def for_pages(handler: Handler) -> Handler:
    def handle(request: Request[Any, Any, Any], error: Any) -> Response[Any]:
        response = handler(request, error)
        if not is_page(request):
            return response
        body = response.content if isinstance(response.content, dict) else json.loads(response.content or b"{}")
        status = int(body.get("status", response.status_code))
        template: Template = page(request, "error.html", status=status, status_code=status,
                                  detail=body.get("detail", ""), problem_errors=body.get("errors", []))
        return template  # type: ignore[return-value]

    return handle


def login_required(request: Request[Any, Any, Any], error: LoginRequired) -> Response[Any]:
    if request.scope.get("user") is not None:  # signed in, but not as one of the roles the page is for
        return page(request, "error.html", status=403, status_code=403, problem_errors=[],
                    detail=N_("这个页面不属于您的账号类型。"))  # type: ignore[return-value]
    return back_to_login(request)  # type: ignore[return-value]


def page_aware(handlers: dict[Any, Handler]) -> dict[Any, Any]:
    return {LoginRequired: login_required, **{kind: for_pages(h) for kind, h in handlers.items()}}
