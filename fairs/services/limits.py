"""Limits on what one party may do in a short time, counted in Redis so every API process sees
the same counts (several uvicorn processes, several machines).

- **Sign-in** (:func:`before_login`, :func:`login_failed`, :func:`login_succeeded`): at most
  ``LOGIN_PER_ADDRESS`` attempts a minute from one address; after ``FREE_FAILURES`` failures in
  a row a login is locked for 30 s, doubling with each further failure up to 15 minutes (a
  success clears it). The answer is 429 with ``Retry-After`` — and the same for a locked login
  whether or not the password is right, so locking tells nothing.
- **Booth holds** (:func:`before_booth_hold`): at most ``HOLDS_PER_ORGANIZATION`` a minute per
  organization, so one employer's script cannot crowd a popular fair's opening.

Counting is best effort: when Redis cannot answer, the request goes ahead (logged) — a Redis
outage must not stop a fair; the database still refuses what must never happen.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from redis.exceptions import NoScriptError, RedisError

from fairs.core.errors import TooManyRequests

log = logging.getLogger(__name__)

LOGIN_PER_ADDRESS = 300
"""A service station or an internet café puts many people behind one address."""
FREE_FAILURES = 5
FIRST_LOCK_SECONDS = 30
LONGEST_LOCK_SECONDS = 15 * 60
FAILURE_MEMORY_SECONDS = 24 * 3600
HOLDS_PER_ORGANIZATION = 30
WINDOW_SECONDS = 60


_COUNT = """
local count = redis.call('INCR', KEYS[1])
local left = redis.call('TTL', KEYS[1])
if left < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
return {count, left}
"""
"""Add one to the key and start its window with the first one (a key without a window, which
cannot happen but would count for ever, gets one too): one round trip, atomic in Redis."""


_COUNT_SHA = hashlib.sha1(_COUNT.encode()).hexdigest()


async def _count(redis: Any, key: str, window: int) -> tuple[int, int]:
    """Add one to ``key`` in its window; (count, seconds left in the window). The script goes
    by its digest; Redis keeps scripts until it restarts or they are flushed, and then it is
    sent once more in full."""
    try:
        count, left = await redis.evalsha(_COUNT_SHA, 1, key, window)
    except NoScriptError:
        count, left = await redis.eval(_COUNT, 1, key, window)
    return int(count), max(int(left), 1)


async def _limited(redis: Any, key: str, limit: int, what: str, code: str) -> None:
    if redis is None:
        return
    try:
        count, left = await _count(redis, key, WINDOW_SECONDS)
    except (RedisError, OSError) as error:
        log.warning("rate limit %s not counted (%s)", code, type(error).__name__)
        return
    if count > limit:
        raise TooManyRequests(f"too many {what}; try again in {left} s", field="request", code=code,
                              extra={"retry_after_seconds": left})


def _login_key(login: str) -> str:
    return login.strip().lower()[:100]


async def before_login(redis: Any, login: str, address: str) -> None:
    """Refuse (429) a sign-in from a busy address or for a locked login."""
    await _limited(redis, f"fairs:limit:login-address:{address}", LOGIN_PER_ADDRESS, "sign-in attempts",
                   "too_many_sign_ins")
    if redis is None:
        return
    try:
        left = await redis.ttl(f"fairs:login-lock:{_login_key(login)}")
    except (RedisError, OSError) as error:
        log.warning("login lock not read (%s)", type(error).__name__)
        return
    if left and int(left) > 0:
        raise TooManyRequests(f"this login is locked after failed attempts; try again in {int(left)} s",
                              field="login", code="login_locked", extra={"retry_after_seconds": int(left)})


async def login_failed(redis: Any, login: str) -> None:
    """Count a failure; from the ``FREE_FAILURES``-th on, lock the login, twice as long each time."""
    if redis is None:
        return
    key = _login_key(login)
    try:
        failures, _ = await _count(redis, f"fairs:login-failures:{key}", FAILURE_MEMORY_SECONDS)
        if failures >= FREE_FAILURES:
            seconds = min(FIRST_LOCK_SECONDS * 2 ** (failures - FREE_FAILURES), LONGEST_LOCK_SECONDS)
            await redis.set(f"fairs:login-lock:{key}", "1", ex=seconds)
    except (RedisError, OSError) as error:
        log.warning("login failure not counted (%s)", type(error).__name__)


async def login_succeeded(redis: Any, login: str) -> None:
    if redis is None:
        return
    key = _login_key(login)
    try:
        await redis.delete(f"fairs:login-failures:{key}", f"fairs:login-lock:{key}")
    except (RedisError, OSError) as error:
        log.warning("login failures not cleared (%s)", type(error).__name__)


async def before_booth_hold(redis: Any, organization_id: int | None) -> None:
    await _limited(redis, f"fairs:limit:holds:{organization_id}", HOLDS_PER_ORGANIZATION, "booth holds",
                   "too_many_holds")
