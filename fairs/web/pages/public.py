"""Pages anyone can see, and signing in and out: the fair list (near my township), a fair,
the sign-in page, the language and elder-mode switches."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from litestar import get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from fairs.api.security import TOKEN_LIFETIME, issue_token, public
from fairs.core.errors import DomainError, TooManyRequests
from fairs.services import accounts, fairs_setup, limits
from fairs.services.areas import list_areas
from fairs.services.context import SYSTEM_CLOCK
from fairs.web.i18n import N_
from fairs.web.view import (
    ELDER_COOKIE,
    HOME_OF_ROLE,
    PAGE,
    SESSION_COOKIE,
    AnyRequest,
    cleared,
    page,
    posted,
    preference_cookie,
    session_cookie,
)


def _safe_next(target: str | None, fallback: str) -> str:
    """Only a path on this site (never another site: an open redirect)."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


@get("/", guards=[public], include_in_schema=False, opt=PAGE)
async def home(request: AnyRequest) -> Template:
    events = await fairs_setup.list_events()
    return page(request, "home.html", events=events[:12])


@get("/fairs", guards=[public], include_in_schema=False, opt=PAGE)
async def fair_list(request: AnyRequest,
                    area: Annotated[int | None, QueryParameter(ge=1)] = None) -> Template:
    """Published fairs, soonest first; ``area`` narrows them to a county or township (and what
    lies below it)."""
    townships = await list_areas(level="township")
    try:
        events = await fairs_setup.list_events(area_id=area) if area else await fairs_setup.list_events()
    except DomainError:
        events = []
    return page(request, "fairs.html", events=events, townships=townships, area=area)


@get("/fairs/{event_id:int}", guards=[public], include_in_schema=False, opt=PAGE)
async def fair_page(request: AnyRequest, event_id: FromPath[int]) -> Template:
    event = await fairs_setup.get_event(event_id, request.scope.get("user"))
    return page(request, "fair.html", event=event)


@get("/login", guards=[public], include_in_schema=False, opt=PAGE)
async def login_form(request: AnyRequest, next_page: Annotated[str | None, QueryParameter(name="next")] = None
                     ) -> Template:
    return page(request, "login.html", next_page=_safe_next(next_page, ""))


@post("/login", guards=[public], include_in_schema=False, opt=PAGE, status_code=303)
async def login(request: AnyRequest) -> Any:
    form = await posted(request)
    login_name = str(form.get("login", "")).strip()
    redis = getattr(request.app.state.queue, "pool", None)
    try:
        await limits.before_login(redis, login_name, request.client.host if request.client else "")
    except TooManyRequests as busy:
        return page(request, "login.html", status=429, next_page=_safe_next(form.get("next"), ""),
                    values={"login": login_name}, errors={"form": N_("尝试次数太多，请稍后再试。")},
                    retry_after=busy.extra.get("retry_after_seconds"))
    actor = await accounts.authenticate(login_name, str(form.get("password", "")))
    if actor is None:
        await limits.login_failed(redis, login_name)
        return page(request, "login.html", status=401, next_page=_safe_next(form.get("next"), ""),
                    values={"login": form.get("login", "")}, errors={"form": N_("登录名或密码不正确。")})
    await limits.login_succeeded(redis, login_name)
    token, _ = issue_token(actor, request.app.state.settings.secret_key, SYSTEM_CLOCK.now())
    target = _safe_next(form.get("next"), HOME_OF_ROLE.get(actor.role, "/"))
    return Redirect(target, status_code=303,
                    cookies=[session_cookie(token, request, int(TOKEN_LIFETIME.total_seconds()))])


@post("/logout", guards=[public], include_in_schema=False, opt=PAGE, status_code=303)
async def logout(request: AnyRequest) -> Redirect:
    await posted(request)
    return Redirect("/", status_code=303, cookies=[cleared(SESSION_COOKIE)])


@post("/settings/elder", guards=[public], include_in_schema=False, opt=PAGE, status_code=303)
async def elder_mode(request: AnyRequest) -> Redirect:
    """Bigger text, higher contrast, fewer elements; kept in a cookie for a year."""
    form = await posted(request)
    on = form.get("elder") == "1"
    back = _safe_next(form.get("back"), "/")
    cookie = preference_cookie(ELDER_COOKIE, "1", request) if on else cleared(ELDER_COOKIE)
    return Redirect(back, status_code=303, cookies=[cookie])


PAGES = [home, fair_list, fair_page, login_form, login, logout, elder_mode]
