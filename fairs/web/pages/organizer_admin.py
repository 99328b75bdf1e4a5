"""Piccolo Admin at ``/admin``, for city organizers signed in on our own pages.

Piccolo Admin has its own users and sessions (``piccolo_user``, ``sessions`` tables, its own
login form and cookie). We use none of them: our organizers already sign in (the
``fairs_session`` cookie), and a second set of accounts would be a second thing to keep safe.

- **Who gets in.** The mount is a page route (``opt=PAGE``): our TokenMiddleware reads the
  session cookie, and :func:`city_organizers` lets in only organizers whose area is a whole city
  (anonymous: redirect to ``/login``; any other account: a 403 page). The admin reads tables
  directly, past the services' area scope, so a township organizer — who may see only their
  own subtree — is refused rather than shown the whole city.
- **Its own auth, replaced.** Its private API (``/admin/api``) is wrapped by Starlette's
  ``AuthenticationMiddleware`` with a session backend; we swap that backend for one that takes
  the account our middleware already checked. Its login, logout and change-password endpoints
  (which would use its own tables) answer 404: signing in and out happen on our pages.
- **Minimal and read-only.** Only tables without personal data (no accounts, attendees,
  registrations, interviews, outbox), ``read_only=True``: every change still goes through the
  services, which own the state machines, the locks and the notices.
- Built on first use (FastAPI and the admin's assets load only when someone opens it).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler, asgi
from litestar.types import Receive, Scope, Send

from fairs.core.areas import CODE_LENGTH
from fairs.db.tables import (
    AllocationRun,
    Area,
    Booth,
    BoothBlock,
    Campaign,
    Event,
    FloorPlan,
    MatchRun,
    Organization,
    ServiceStation,
    TourSetup,
    TourVillage,
    Venue,
)
from fairs.services.context import Actor
from fairs.web.view import PAGE, LoginRequired

ADMIN_TABLES = (Area, ServiceStation, Organization, Campaign, Venue, FloorPlan, Booth, TourSetup, TourVillage, Event,
                BoothBlock, AllocationRun, MatchRun)
"""What the admin shows: set-up and run records, nothing about people."""
CLOSED_PATHS = ("/public/login", "/public/logout", "/api/change-password")
_built: dict[str, Any] = {}


async def city_organizers(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Signed-in accounts other than city organizers get a 403 page; anonymous visitors pass
    here and are sent to sign in by :func:`admin` (it knows the whole path of the mount)."""
    actor: Actor | None = connection.scope.get("user")
    if actor is None:
        return
    if actor.role != "organizer":
        raise LoginRequired(("organizer",))
    if len(actor.area_path or "") != CODE_LENGTH:
        from litestar.exceptions import PermissionDeniedException

        raise PermissionDeniedException("the data admin is for organizers of a whole city")


class _Organizer:
    """The signed-in organizer as Piccolo Admin's endpoints expect ``request.user``."""

    is_authenticated = True

    def __init__(self, actor: Actor) -> None:
        self.actor = actor
        self.user = SimpleNamespace(id=actor.account_id, username=actor.display_name or str(actor.account_id),
                                    admin=True, superuser=False, active=True)

    @property
    def display_name(self) -> str:
        return self.actor.display_name or str(self.actor.account_id)

    @property
    def identity(self) -> str:
        return str(self.actor.account_id)

    @property
    def user_id(self) -> int:
        return self.actor.account_id


def _admin(production: bool) -> Any:
    if "app" in _built:
        return _built["app"]
    from piccolo_admin.endpoints import create_admin
    from starlette.authentication import AuthCredentials, AuthenticationBackend, AuthenticationError
    from starlette.middleware.authentication import AuthenticationMiddleware
    from starlette.responses import JSONResponse
    from starlette.routing import Mount

    class OurSession(AuthenticationBackend):
        async def authenticate(self, conn: Any) -> tuple[AuthCredentials, Any]:
            actor = conn.scope.get("fairs_actor")
            if not isinstance(actor, Actor):
                raise AuthenticationError("sign in on /login first")
            return AuthCredentials(["authenticated"]), _Organizer(actor)

    app = create_admin(list(ADMIN_TABLES), read_only=True, auto_include_related=False, production=production,
                       site_name="fairs 数据管理 Data admin")
    for route in app.router.routes:
        if isinstance(route, Mount) and route.path == "/api":
            private = getattr(route.app, "app", route.app)
            route.app = route._base_app = AuthenticationMiddleware(
                private, backend=OurSession(),
                on_error=lambda _c, _e: JSONResponse({"error": "Auth failed"}, status_code=401))
    _built["app"] = app
    return app


@asgi("/admin", is_mount=True, copy_scope=True, guards=[city_organizers], include_in_schema=False, opt=PAGE)
async def admin(scope: Scope, receive: Receive, send: Send) -> None:
    """Piccolo Admin, behind our sign-in (see the module docstring)."""
    path = str(scope.get("path", "")).rstrip("/")
    if scope.get("user") is None:
        from starlette.responses import RedirectResponse

        raw = scope.get("raw_path") or b"/admin/"
        here = quote(raw.decode("latin-1") if isinstance(raw, bytes) else str(raw))
        await RedirectResponse(f"/login?next={here}", status_code=303)(scope, receive, send)  # type: ignore[arg-type]
        return
    if path.endswith(CLOSED_PATHS):
        from starlette.responses import JSONResponse

        await JSONResponse({"error": "sign in and out on the site's own pages"}, status_code=404)(
            scope, receive, send)  # type: ignore[arg-type]
        return
    settings = scope["app"].state.settings  # type: ignore[index]
    inner: dict[str, Any] = {**scope, "fairs_actor": scope.get("user")}  # type: ignore[dict-item]
    await _admin(settings.environment == "production")(inner, receive, send)


PAGES = [admin]
