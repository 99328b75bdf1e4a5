"""What every page handler uses: render a template in the visitor's language, know who is
signed in (the session cookie), check a posted form's CSRF token, and turn a service's
refusal into messages next to the fields.

- **Session.** Signing in on a page sets ``fairs_session``: the same signed token the API
  gives (``Authorization: Bearer``), in an HttpOnly, SameSite=Lax cookie (Secure outside
  development). Only page routes (``opt={"page": True}``) read the cookie; the API never does,
  so a cookie can never make an API call on someone's behalf.
- **CSRF.** Every page visit carries a random ``fairs_csrf`` cookie (SameSite=Strict); every
  form posts it back as ``csrf_token`` (HTMX sends it as ``X-CSRF-Token``, set once on the
  ``<body>``). :func:`posted` refuses a post whose two values differ (403): another site can
  make a browser send the cookie, but cannot read it to put it in the form.
- **Errors.** Services raise :class:`~fairs.core.errors.DomainError` with the field; a form
  page catches it (:func:`field_errors`) and shows the message next to that field (422), in
  the page's language when the catalog has it.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from litestar import MediaType, Request
from litestar.datastructures import Cookie
from litestar.exceptions import PermissionDeniedException
from litestar.response import Redirect, Template

from fairs.api.security import SESSION_COOKIE
from fairs.core.errors import DomainError
from fairs.services.context import Actor
from fairs.web import i18n

CSRF_COOKIE = "fairs_csrf"
ELDER_COOKIE = "fairs_elder"
PAGE = {"page": True}
"""``opt`` of every page route: it reads the session cookie and renders errors as pages."""

AnyRequest = Request[Any, Any, Any]
HOME_OF_ROLE = {"attendee": "/my", "staff": "/station", "employer": "/employer", "organizer": "/organizer"}


class LoginRequired(Exception):
    """The page needs a signed-in account (of one of ``roles``): answered by a redirect to
    the sign-in page, which comes back here."""

    def __init__(self, roles: tuple[str, ...] = ()) -> None:
        super().__init__("sign in first")
        self.roles = roles


def language_of(request: AnyRequest) -> i18n.Language:
    return i18n.pick_language(request.query_params.get("lang"), request.cookies.get(i18n.COOKIE),
                              request.headers.get("accept-language"))


def secure_cookies(request: AnyRequest) -> bool:
    return request.app.state.settings.environment == "production"


def signed_in(request: AnyRequest, *roles: str) -> Actor:
    """The signed-in account, which must have one of ``roles`` (any when none given)."""
    actor: Actor | None = request.scope.get("user")
    if actor is None or (roles and actor.role not in roles):
        raise LoginRequired(roles)
    return actor


def page(request: AnyRequest, template: str, status: int = 200, **context: Any) -> Template:
    """Render ``template`` with the page helpers: ``_`` (gettext), ``lang``, ``actor``,
    ``csrf_token``, ``elder`` and the date helpers."""
    lang = language_of(request)
    csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
    cookies = []
    if CSRF_COOKIE not in request.cookies:
        cookies.append(Cookie(key=CSRF_COOKIE, value=csrf, path="/", samesite="strict", httponly=True,
                              secure=secure_cookies(request)))
    if request.query_params.get("lang") in i18n.LANGUAGES:
        cookies.append(preference_cookie(i18n.COOKIE, lang, request))
    _ = i18n.gettext_for(lang)
    helpers = {
        "_": _, "lang": lang, "actor": request.scope.get("user"), "csrf_token": csrf,
        "elder": request.cookies.get(ELDER_COOKIE) == "1", "path": request.url.path,
        "query": request.url.query, "day_text": lambda d, **k: i18n.day_text(d, lang, **k),
        "moment_text": lambda at, zone, **k: i18n.moment_text(at, zone, lang, **k),
        "time_text": i18n.time_text, "errors": {}, "values": {}, "home_of_role": HOME_OF_ROLE,
    }
    # The media type is set here: a handler that may answer a page or a redirect declares ``Any``,
    # and Litestar would then guess JSON.
    return Template(template_name=template, context={**helpers, **context}, status_code=status, cookies=cookies,
                    media_type=MediaType.HTML)


async def posted(request: AnyRequest) -> dict[str, Any]:
    """The posted form (repeated names as lists), after checking its CSRF token."""
    form = await request.form()
    check_csrf(request, str(request.headers.get("x-csrf-token") or form.get("csrf_token") or ""))
    values: dict[str, Any] = {}
    for key, value in form.multi_items():
        if key == "csrf_token":
            continue
        if key in values:
            values[key] = [*values[key], value] if isinstance(values[key], list) else [values[key], value]
        else:
            values[key] = value
    return values


def check_csrf(request: AnyRequest, sent: str) -> None:
    """The CSRF token a page sent back (form field or ``X-CSRF-Token``) must be its cookie's."""
    expected = request.cookies.get(CSRF_COOKIE) or ""
    if not expected or not hmac.compare_digest(sent, expected):
        raise PermissionDeniedException("the form has expired or came from another site; reload the page and try again")


def field_errors(error: DomainError, request: AnyRequest) -> dict[str, str]:
    """``{field: message}`` of a refusal, messages in the page's language where known."""
    _ = i18n.gettext_for(language_of(request))
    found = {p.field: _(p.message) for p in error.problems}
    return found or {"form": _(error.detail)}


def back_to_login(request: AnyRequest) -> Redirect:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return Redirect(f"/login?next={quote(target)}", status_code=303)


def session_cookie(token: str, request: AnyRequest, max_age: int) -> Cookie:
    return Cookie(key=SESSION_COOKIE, value=token, path="/", samesite="lax", httponly=True, max_age=max_age,
                  secure=secure_cookies(request))


def preference_cookie(name: str, value: str, request: AnyRequest) -> Cookie:
    """A visitor's choice (language, elder mode), kept for a year."""
    return Cookie(key=name, value=value, path="/", samesite="lax", httponly=True, max_age=365 * 86400,
                  secure=secure_cookies(request))


def cleared(name: str) -> Cookie:
    return Cookie(key=name, value="", path="/", max_age=0, expires=0)


def form_values(form: Mapping[str, Any]) -> dict[str, Any]:
    """What the visitor typed, to put back into the form after a refusal (never passwords)."""
    return {k: v for k, v in form.items() if "password" not in k}
