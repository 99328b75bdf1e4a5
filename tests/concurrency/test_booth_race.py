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
