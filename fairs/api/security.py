"""Sign-in tokens and guards.

A token is a JWT (HS256, signed with FAIRS_SECRET_KEY) carrying only the account id; every
request has its account's actor, read from the database or kept by the process until the
account changes (:mod:`fairs.services.known_actors`), so a deactivated account stops working
as soon as its change commits and any API process can check any token. Every route declares
a guard: ``public`` or a role guard.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

import jwt
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from fairs.services.accounts import actor_by_id
from fairs.services.context import Actor

AnyRequest = Request[Any, Any, Any]
SESSION_COOKIE = "fairs_session"
"""The pages' sign-in cookie (fairs/web/view.py sets it)."""
TOKEN_LIFETIME = timedelta(hours=12)
ALGORITHM = "HS256"


def issue_token(actor: Actor, secret: str, now: datetime) -> tuple[str, datetime]:
    expires = now + TOKEN_LIFETIME
    token = jwt.encode({"sub": str(actor.account_id), "iat": now, "exp": expires}, secret, algorithm=ALGORITHM)
    return token, expires


class TokenMiddleware(AbstractAuthenticationMiddleware):
    """Reads ``Authorization: Bearer …`` when present. No header: an anonymous request (the
    route's guard decides). A bad or expired token: 401, whatever the route."""

    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        if not header:
            return await self._page_session(connection)
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise NotAuthorizedException("the Authorization header must be 'Bearer <token>'")
        actor = await actor_of_token(token, connection.app.state)
        return AuthenticationResult(user=actor, auth=token)

    async def _page_session(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        """Pages (``opt={"page": True}``) also take the session cookie; a stale one makes the
        visit anonymous (the page then asks to sign in) instead of failing. The API never
        reads the cookie, so no cookie can call it on someone's behalf (no CSRF there)."""
        handler = connection.scope.get("route_handler")
        token = connection.cookies.get(SESSION_COOKIE) if handler is not None and handler.opt.get("page") else None
        if not token:
            return AuthenticationResult(user=None, auth=None)
        try:
            actor = await actor_of_token(token, connection.app.state)
        except NotAuthorizedException:
            return AuthenticationResult(user=None, auth=None)
        return AuthenticationResult(user=actor, auth=token)


_VERIFIED: dict[tuple[str, str], tuple[int, float, float]] = {}
"""(secret, token) → (account id, valid from, valid until) of tokens whose signature and
claims checked out: a phone sends the same token with every request, and checking the
signature again (PyJWT: about a twentieth of a request's CPU) would find the same. The times
are checked on every use, as PyJWT checks them (``iat``/``nbf`` not after now, ``exp`` after
now); the account is still loaded on every request."""
_VERIFIED_MOST = 20_000


def _account_of_token(token: str, secret: str) -> int:
    known = _VERIFIED.get((secret, token))
    if known is None:
        try:
            claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["sub", "exp"]})
            account_id = int(claims["sub"])
        except (jwt.PyJWTError, ValueError):
            raise NotAuthorizedException("the token is invalid or has expired; sign in again") from None
        # decode checked that these are integers (when present)
        since = max((int(claims[name]) for name in ("iat", "nbf") if name in claims), default=float("-inf"))
        if len(_VERIFIED) >= _VERIFIED_MOST:
            _VERIFIED.clear()
        _VERIFIED[secret, token] = known = (account_id, since, int(claims["exp"]))
        return account_id
    account_id, since, until = known
    now = time.time()
    if since > now or until <= now:
        raise NotAuthorizedException("the token is invalid or has expired; sign in again")
    return account_id


async def actor_of_token(token: str, state: Any) -> Actor:
    """The actor a token signs in (``state``: the app's, with the secret key and the kept
    actors, :mod:`fairs.services.known_actors`)."""
    account_id = _account_of_token(token, state.settings.secret_key)
    actor = await state.actors.actor(account_id, actor_by_id)
    if actor is None:
        raise NotAuthorizedException("the account no longer exists or is disabled")
    return actor


# Guards are coroutines: Litestar runs a plain-function guard in a worker thread
# (``sync_to_thread``), a hand-off that cost about a tenth of an API process's CPU under
# festival traffic (fairs bench load), for checks that never wait on anything.


async def public(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Anyone may call this route."""


def _require_signed_in(connection: ASGIConnection[Any, Any, Any, Any]) -> Actor:
    actor: Actor | None = connection.scope.get("user")
    if actor is None:
        raise NotAuthorizedException("sign in first: POST /auth/login", headers={"WWW-Authenticate": "Bearer"})
    return actor


async def signed_in(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    _require_signed_in(connection)


def role(*roles: str):  # type: ignore[no-untyped-def]
    """Guard: the caller is signed in with one of ``roles``."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
        if _require_signed_in(connection).role not in roles:
            raise PermissionDeniedException(f"only {' or '.join(roles)} accounts may do this")

    guard.__name__ = f"role_{'_'.join(roles)}"
    return guard


def actor_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Actor:
    actor = connection.scope.get("user")
    if actor is None:
        raise NotAuthorizedException("sign in first: POST /auth/login", headers={"WWW-Authenticate": "Bearer"})
    return actor  # type: ignore[no-any-return]


organizer = role("organizer")
employer = role("employer")
attendee = role("attendee")
