"""Signed-in actors kept by an API process (fairs/services/known_actors.py): kept only while
the process listens for account changes, dropped the moment a change commits."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from fairs.services.context import Actor
from fairs.services.known_actors import KnownActors
from tests.support import factories as f

ME = Actor(7, "employer", organization_id=3)


def reader(*answers: Actor | None, during: Any = None) -> Any:
    """A read of actors that answers ``answers`` in turn, counting its calls; ``during`` runs
    while it reads."""
    calls = []

    async def read(account_id: int) -> Actor | None:
        calls.append(account_id)
        if during is not None:
            during()
        return answers[min(len(calls), len(answers)) - 1]

    read.calls = calls  # type: ignore[attr-defined]
    return read


async def test_an_actor_is_kept_only_while_the_process_listens_for_changes():
    actors, read = KnownActors(), reader(ME)
    assert await actors.actor(7, read) == ME
    assert await actors.actor(7, read) == ME
    assert read.calls == [7, 7]  # not listening: every request reads
    actors.listening_changed(True)
    await actors.actor(7, read)
    await actors.actor(7, read)
    assert read.calls == [7, 7, 7]
    actors.listening_changed(False)  # the connection was lost: what was kept is forgotten
    await actors.actor(7, read)
    assert read.calls == [7, 7, 7, 7]


async def test_a_notice_drops_its_account_and_a_star_drops_everyone():
    actors = KnownActors()
    actors.listening_changed(True)
    mine, theirs = reader(ME), reader(Actor(8, "attendee"))
    await actors.actor(7, mine)
    await actors.actor(8, theirs)
    actors.notice("8")
    await actors.actor(7, mine)
    await actors.actor(8, theirs)
    assert (mine.calls, theirs.calls) == ([7], [8, 8])
    actors.notice("*")
    await actors.actor(7, mine)
    assert mine.calls == [7, 7]


async def test_a_read_during_which_a_change_arrived_is_not_kept():
    actors = KnownActors()
    actors.listening_changed(True)
    read = reader(ME, during=lambda: actors.notice("7"))  # the change commits while we read
    await actors.actor(7, read)
    await actors.actor(7, read)
    assert read.calls == [7, 7]


async def test_a_gone_account_is_not_kept_and_a_kept_one_is_read_again_after_a_while(monkeypatch):
    from fairs.services import known_actors

    actors = KnownActors()
    actors.listening_changed(True)
    read = reader(None, ME)
    assert await actors.actor(7, read) is None
    assert await actors.actor(7, read) == ME
    await actors.actor(7, read)
    assert read.calls == [7, 7]
    later = time.monotonic() + known_actors.KEPT_SECONDS + 1
    monkeypatch.setattr(known_actors.time, "monotonic", lambda: later)
    await actors.actor(7, read)
    assert read.calls == [7, 7, 7]


# --- on PostgreSQL, through the app's lifespan ----------------------------------------------


async def wait_for(condition: Any, seconds: float = 5) -> bool:
    """Whether ``condition()`` (a bool, or an awaitable of one) comes true within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        met = condition()
        if await met if inspect.isawaitable(met) else met:
            return True
        await asyncio.sleep(0.01)
    return False


@asynccontextmanager
async def a_kept_employer(client: Any) -> AsyncIterator[tuple[dict[str, str], KnownActors]]:
    """An employer's sign-in headers, and the app's kept actors (the employer's among them),
    while the app runs its lifespan as a served process does: listening."""
    headers = await f.employer(client, 1)
    async with client.app.lifespan():
        actors = client.app.state.actors
        assert actors.listening
        assert (await client.get("/organizations", headers=headers)).status_code == 200
        assert actors._kept
        yield headers, actors
    assert not actors.listening


@pytest.mark.postgres
async def test_a_disabled_account_is_refused_on_every_process_once_its_change_commits(client):
    from fairs.db.tables import Account

    async with a_kept_employer(client) as (headers, actors):
        account_id = next(iter(actors._kept))
        assert (await client.get("/organizations", headers=headers)).status_code == 200  # kept
        # another process disables it: its transaction's notice reaches this one
        await Account.update({Account.active: False}).where(Account.id == account_id)

        async def refused() -> bool:
            return (await client.get("/organizations", headers=headers)).status_code == 401

        assert await wait_for(refused, 2)
        assert account_id not in actors._kept


@pytest.mark.postgres
async def test_an_area_change_drops_every_kept_actor(client):
    from fairs.db.tables import Area

    async with a_kept_employer(client) as (_, actors):
        await Area.update({Area.name: Area.name}).where(Area.id > 0)
        assert await wait_for(lambda: not actors._kept, 2)


@pytest.mark.postgres
async def test_a_lost_listening_connection_keeps_nothing_until_it_listens_again(client):
    from fairs.db.tables import Account

    async with a_kept_employer(client) as (headers, actors):
        await Account.raw("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE query LIKE 'LISTEN %fairs_actor%' AND pid <> pg_backend_pid()")
        assert await wait_for(lambda: not actors.listening, 2)
        assert not actors._kept
        assert (await client.get("/organizations", headers=headers)).status_code == 200
        assert not actors._kept  # read, not kept: a change may have been missed
        assert await wait_for(lambda: actors.listening, 10)
        assert (await client.get("/organizations", headers=headers)).status_code == 200
        assert actors._kept


@pytest.mark.postgres
async def test_a_process_that_notifications_do_not_reach_keeps_nothing(monkeypatch):
    """As behind PgBouncer in transaction pooling: LISTEN succeeds, nothing arrives."""
    from fairs.db.engine import Listening
    from fairs.db.tables import Account

    monkeypatch.setattr(Listening, "PROBE_SECONDS", 0.5)
    monkeypatch.setattr(Listening, "_notice", lambda *_: None)  # nothing is delivered
    actors = KnownActors()
    listening = Listening(Account._meta.db.config["dsn"], "fairs_actor", actors.notice, actors.listening_changed)
    try:
        await listening.start()
        assert not listening.listening and not actors.listening
        read = reader(ME)
        await actors.actor(7, read)
        await actors.actor(7, read)
        assert read.calls == [7, 7]
    finally:
        await listening.close()


async def test_a_listener_that_cannot_connect_keeps_trying_until_closed():
    from fairs.db.engine import Listening

    states: list[bool] = []
    listening = Listening("postgresql://postgres@127.0.0.1:1/nowhere", "fairs_actor", lambda _: None, states.append)
    await listening.start()  # refused at once: it does not raise, it tries again later
    assert not listening.listening and states == []
    retrying = listening._retrying
    assert retrying is not None and not retrying.done()
    await listening.close()
    await asyncio.sleep(0)
    assert retrying.cancelled() and states == []
