"""The actors of signed-in accounts, kept by an API process and dropped the moment their
account changes.

Every signed-in request needs its actor (role, organization, area path, …). Reading it is a
database round trip per request: about a fifth of the CPU of answering a refused booth hold
(docs/benchmarks.md, booths). On PostgreSQL an API process keeps the actors it has read. A
trigger on ``account`` (each changed or deleted row) and on ``area`` (whose path is part of
an actor; any change) notifies channel :data:`CHANNEL` in the changing transaction; the
process listens on a connection of its own (:class:`fairs.db.engine.Listening`) and drops
the actor when the notification arrives, which PostgreSQL sends at commit. So a disabled
account stops working as soon as its change is committed, on every process, as when every
request read the account.

What keeps that true:

- While the process does not listen (not yet, or its connection was lost and notifications
  may have been missed, or they cannot reach it: behind PgBouncer in transaction pooling),
  it keeps nothing and reads every actor. Listening is proven by a probe notification
  before anything is kept.
- A read during which any notification arrived is not kept (it may predate the change).
- A change made through this process drops the actor at once as well (:meth:`KnownActors.forget`).
- An actor is read again after :data:`KEPT_SECONDS` at the latest, and at most
  :data:`MOST` are kept.

On SQLite (one machine, no notifications) every request reads its actor, as before.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fairs.services.context import Actor

CHANNEL = "fairs_actor"
EVERYONE = "*"
"""The payload of a change that concerns every actor (areas; an emptied account table)."""
KEPT_SECONDS = 60.0
MOST = 50_000


class KnownActors:
    def __init__(self) -> None:
        self._kept: dict[int, tuple[Actor, float]] = {}
        self._changes = 0
        self.listening = False

    async def actor(self, account_id: int, read: Callable[[int], Awaitable[Actor | None]]) -> Actor | None:
        """The account's actor, kept or ``read``; None for an account that is gone or disabled."""
        now = time.monotonic()
        if self.listening:
            kept = self._kept.get(account_id)
            if kept is not None and kept[1] > now:
                return kept[0]
        changes = self._changes
        actor = await read(account_id)
        if actor is not None and self.listening and changes == self._changes:
            if len(self._kept) >= MOST:
                self._kept.clear()
            self._kept[account_id] = (actor, now + KEPT_SECONDS)
        return actor

    def forget(self, account_id: int | None = None) -> None:
        """Drop one account's actor (None: every actor)."""
        self._changes += 1
        if account_id is None:
            self._kept.clear()
        else:
            self._kept.pop(account_id, None)

    def notice(self, payload: str) -> None:
        """A notification on :data:`CHANNEL`: an account id, or :data:`EVERYONE`."""
        self.forget(None if payload == EVERYONE or not payload.isdigit() else int(payload))

    def listening_changed(self, listening: bool) -> None:
        self.forget()
        self.listening = listening
