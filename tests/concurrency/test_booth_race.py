"""Many employers click the same booth at the same moment: exactly one gets it.

The proof comes in two parts, as in pretix's tests: first that the race is real (the
database index alone refuses a second active reservation written behind the service's
back), then that under real concurrency the service hands the booth to exactly one."""

from __future__ import annotations

import asyncio

import pytest

from fairs.db.integrity import constraint_name
from fairs.db.tables import BoothReservation
from tests.support import factories as f


async def test_the_database_itself_refuses_a_second_active_reservation(client, clock):
    organizer = await f.sign_in_organizer(client)
    fair = await f.published_fair(client, organizer, booths=1)
    employer = await f.employer(client, 1)
    held = await f.reserve(client, employer, fair["event"]["id"], fair["venue"]["booths"][0]["id"])
    duplicate = BoothReservation(booth=held["booth"], event=held["event"], organization=held["organization"],
                                 status="confirmed", interviewers=1, created_at=clock.now())
    with pytest.raises(Exception) as refused:
        await duplicate.save()
    assert constraint_name(refused.value) == "booth_reserved_once_per_event"
    # a cancelled one beside it is fine: the index covers only held and confirmed
    await BoothReservation(booth=held["booth"], event=held["event"], organization=held["organization"],
                           status="cancelled", interviewers=1, created_at=clock.now()).save()


async def test_twenty_employers_racing_for_one_booth_leave_exactly_one_holder(client):
    organizer = await f.sign_in_organizer(client)
    fair = await f.published_fair(client, organizer, booths=3)
    employers = [await f.employer(client, n) for n in range(1, 21)]
    for employer in employers:
        await f.take_part(client, employer, fair["event"]["id"])
    path = f"/events/{fair['event']['id']}/reservations"
    body = {"booth_id": fair["venue"]["booths"][0]["id"]}
    answers = await asyncio.gather(*[client.post(path, headers=e, json=body) for e in employers])
    codes = sorted(a.status_code for a in answers)
    assert codes == [201] + [409] * 19
    losers = [a.json() for a in answers if a.status_code == 409]
    assert all([b["code"] for b in loser["alternatives"]] == ["A02", "A03"] for loser in losers)
    active = await BoothReservation.select().where(BoothReservation.status.is_in(["held", "confirmed"]))
    assert len(active) == 1
    winner = next(a.json() for a in answers if a.status_code == 201)
    assert active[0]["id"] == winner["id"]


async def test_one_organization_clicking_many_booths_at_once_stays_within_its_limit(client):
    """Its own holds race each other for the per-organization limit, not for a booth: the
    participation row lock must serialise them (the unique index cannot see this)."""
    organizer = await f.sign_in_organizer(client)
    fair = await f.published_fair(client, organizer, booths=8)
    employer = await f.employer(client, 1)
    await f.take_part(client, employer, fair["event"]["id"])
    path = f"/events/{fair['event']['id']}/reservations"
    answers = await asyncio.gather(*[client.post(path, headers=employer, json={"booth_id": b["id"]})
                                     for b in fair["venue"]["booths"]])
    assert sorted(a.status_code for a in answers) == [201] + [409] * 7
    assert {a.json()["type"].rsplit("/", 1)[1] for a in answers if a.status_code == 409} == {"booth_limit_reached"}
    assert await BoothReservation.count().where(BoothReservation.status.is_in(["held", "confirmed"])) == 1


async def test_a_booth_blocked_while_employers_rush_for_it_is_either_blocked_or_held_never_both(client, monkeypatch):
    """The organizer's check that the booth is free, and its insert of the block, are far
    apart here (a slow network); new holds must not slip in between."""
    from fairs.db.tables import BoothBlock
    from fairs.services import booths

    checked = booths._taken

    async def slow_check(*args):
        taken = await checked(*args)
        await asyncio.sleep(0.05)
        return taken

    monkeypatch.setattr(booths, "_taken", slow_check)
    organizer = await f.sign_in_organizer(client)
    for round_ in range(3):
        fair = await f.published_fair(client, organizer, booths=1)
        event_id, booth_id = fair["event"]["id"], fair["venue"]["booths"][0]["id"]
        employers = [await f.employer(client, 10 * round_ + n) for n in range(1, 9)]
        for employer in employers:
            await f.take_part(client, employer, event_id)
        holds = [client.post(f"/events/{event_id}/reservations", headers=e, json={"booth_id": booth_id})
                 for e in employers]
        block = client.post(f"/events/{event_id}/blocks", headers=organizer,
                            json={"booth_id": booth_id, "reason": "消防通道"})
        blocking = asyncio.ensure_future(block)
        await asyncio.sleep(0.02 * round_)  # the holds come before, during, or after the check
        answers = await asyncio.gather(*holds)
        answers.insert(4, await blocking)
        assert all(a.status_code in (201, 204, 409) for a in answers), [a.text for a in answers]
        blocked = await BoothBlock.exists().where(BoothBlock.event == event_id)
        held = await BoothReservation.count().where(BoothReservation.event == event_id,
                                                    BoothReservation.status.is_in(["held", "confirmed"]))
        assert (blocked, held) in ((True, 0), (False, 1))
        assert answers[4].status_code == (204 if blocked else 409)


async def _own_connection(why_not_on_sqlite: str):
    """A PostgreSQL connection of the test's own, outside the app (its transactions are
    another client's); the test is skipped on SQLite."""
    from tests.conftest import DATABASE_URL, ENGINE

    if ENGINE != "postgres":
        pytest.skip(why_not_on_sqlite)
    import asyncpg

    return await asyncpg.connect(DATABASE_URL)


async def _taking_part(client, booths: int):
    """A published fair of ``booths`` booths and an employer approved to take part."""
    organizer = await f.sign_in_organizer(client)
    fair = await f.published_fair(client, organizer, booths=booths)
    employer = await f.employer(client, 1)
    await f.take_part(client, employer, fair["event"]["id"])
    return fair, employer


async def test_a_confirmation_waiting_for_the_booth_sees_the_cancellation_it_waited_for(client):
    """An organizer's cancellation holds the booth's lock (here: a transaction of the test's
    own, on its own connection) while the employer confirms: the confirmation has read
    "held" and waits. Once the cancellation commits, the confirmation must see it and be
    refused, not bring the cancelled reservation back as confirmed."""
    cancelling = await _own_connection("SQLite's IMMEDIATE transaction lets no confirmation start while "
                                       "another writer is in")
    fair, employer = await _taking_part(client, booths=1)
    held = await client.post(f"/events/{fair['event']['id']}/reservations", headers=employer,
                             json={"booth_id": fair["venue"]["booths"][0]["id"]})
    assert held.status_code == 201, held.text
    reservation = held.json()
    try:
        transaction = cancelling.transaction()
        await transaction.start()
        await cancelling.execute("SELECT id FROM booth WHERE id = $1 FOR UPDATE", reservation["booth"])
        await cancelling.execute("UPDATE booth_reservation SET status = 'cancelled' WHERE id = $1", reservation["id"])
        confirming = asyncio.create_task(client.post(f"/reservations/{reservation['id']}/confirm", headers=employer))
        waiting = "SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype = 'transactionid'"
        for _ in range(200):  # until the confirmation waits for the booth's lock
            if await cancelling.fetchval(waiting):
                break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError("the confirmation never waited for the booth's lock")
        await transaction.commit()
        answer = await asyncio.wait_for(confirming, 10)
    finally:
        await cancelling.close()
    assert answer.status_code == 409, answer.text
    assert (await BoothReservation.select(BoothReservation.status).where(
        BoothReservation.id == reservation["id"]).first())["status"] == "cancelled"


async def test_a_hold_meeting_another_hold_deciding_the_booth_is_told_to_retry_at_once(client):
    """Another transaction has the booth's lock (as a hold deciding it has): the hold does not
    queue behind it but answers 409 booth_busy with Retry-After and the free booths; once the
    lock is let go, the same request holds the booth."""
    deciding = await _own_connection("SQLite's IMMEDIATE transaction: one hold at a time, never busy")
    fair, employer = await _taking_part(client, booths=3)
    booth = fair["venue"]["booths"][0]
    path, body = f"/events/{fair['event']['id']}/reservations", {"booth_id": booth["id"]}
    try:
        async with deciding.transaction():
            await deciding.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"booth:{booth['id']}")
            busy = await asyncio.wait_for(client.post(path, headers=employer, json=body), 10)
    finally:
        await deciding.close()
    assert busy.status_code == 409, busy.text
    assert busy.json()["type"].endswith("/booth_busy")
    assert busy.headers["Retry-After"] == "1"
    assert [b["code"] for b in busy.json()["alternatives"]] == ["A02", "A03"]
    assert await BoothReservation.count() == 0
    held = await client.post(path, headers=employer, json=body)
    assert held.status_code == 201, held.text
