"""The venue desk's check-in: once, in scope, and plain about what is wrong."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from fairs.core.checkin import checkin_code
from fairs.core.errors import Conflict, InvalidInput, NotFound
from fairs.db.tables import Account, Event, Registration
from fairs.services import checkin
from fairs.services.accounts import actor_by_id
from tests.support import factories as f

SECRET = "a-desk-test-secret-that-is-long-enough"


async def fair_with_people(client, attendees: int = 2) -> dict:
    made = await f.fair_ready_for_matching(client, attendees=attendees)
    registrations = await Registration.select(Registration.id).where(
        Registration.event == made["event_id"]).order_by(Registration.id)
    made["registrations"] = [r["id"] for r in registrations]
    made["actor"] = await actor_by_id(int((await Account.select(Account.id).where(
        Account.login == "organizer").first())["id"]))
    return made


async def statuses(event_id: int) -> list[str]:
    return [r["status"] for r in await Registration.select(Registration.status).where(
        Registration.event == event_id).order_by(Registration.id)]


async def receipts() -> list[dict]:
    """The arrivals recorded on the registrations."""
    return await Registration.select(Registration.id, Registration.checked_in_at, Registration.checked_in_by,
                                     Registration.check_in_client_id).where(
        Registration.checked_in_at.is_not_null()).order_by(Registration.id)


async def test_a_code_checks_its_person_in_once_and_a_second_scan_tells_when(client, clock):
    made = await fair_with_people(client)
    first_id = made["registrations"][0]
    code = checkin_code(first_id, SECRET)

    done = await checkin.check_in(made["actor"], made["event_id"], code, SECRET, clock)
    arrived = clock.now()
    clock.advance(minutes=7)
    again = await checkin.check_in(made["actor"], made["event_id"], code.lower().replace("-", " "), SECRET, clock)

    assert done == checkin.CheckIn(first_id, made["event_id"], "求职者1", arrived, "Asia/Shanghai", False)
    assert again == checkin.CheckIn(first_id, made["event_id"], "求职者1", arrived, "Asia/Shanghai", True)
    assert await statuses(made["event_id"]) == ["checked_in", "registered"]
    assert [(r["id"], r["checked_in_by"]) for r in await receipts()] == [(first_id, made["actor"].account_id)]
    summary = await checkin.desk_summary(made["actor"], made["event_id"])
    assert (summary["checked_in"], summary["expected"]) == (1, 2)
    assert summary["recent"] == [{"registration_id": first_id, "name": "求职者1", "at": arrived}]


async def test_two_desks_scanning_one_code_at_once_make_one_check_in(client, clock):
    made = await fair_with_people(client)
    code = checkin_code(made["registrations"][1], SECRET)

    answers = await asyncio.gather(*[
        checkin.check_in(made["actor"], made["event_id"], code, SECRET, clock) for _ in range(2)])

    assert sorted(a.already for a in answers) == [False, True]
    assert {a.checked_in_at for a in answers} == {clock.now()}
    assert await statuses(made["event_id"]) == ["registered", "checked_in"]
    assert len(await receipts()) == 1
    assert (await checkin.desk_summary(made["actor"], made["event_id"]))["checked_in"] == 1


async def test_a_typo_or_forgery_is_refused_on_the_code_and_nothing_changes(client, clock):
    made = await fair_with_people(client)
    good = checkin_code(made["registrations"][0], SECRET)
    typo = good[:-1] + ("2" if good[-1] != "2" else "3")

    for bad in (typo, "hello", checkin_code(made["registrations"][0], "another-secret-entirely-123456")):
        with pytest.raises(InvalidInput) as refused:
            await checkin.check_in(made["actor"], made["event_id"], bad, SECRET, clock)
        assert refused.value.problems[0].field == "code"
    assert await statuses(made["event_id"]) == ["registered", "registered"]
    assert await receipts() == []


async def test_another_events_code_and_another_areas_event_are_not_found(client, clock):
    made = await fair_with_people(client)
    other = await f.published_fair(client, made["organizer"])
    code = checkin_code(made["registrations"][0], SECRET)

    with pytest.raises(NotFound) as elsewhere:
        await checkin.check_in(made["actor"], other["event"]["id"], code, SECRET, clock)
    assert elsewhere.value.code == "other_event" and elsewhere.value.problems[0].field == "code"

    await f.organizer_account("liyu", area=f.LIYU)
    township = await actor_by_id(int((await Account.select(Account.id).where(
        Account.login == "liyu").first())["id"]))
    with pytest.raises(NotFound) as outside:
        await checkin.check_in(township, made["event_id"], code, SECRET, clock)
    assert outside.value.problems[0].field == "event_id"
    with pytest.raises(NotFound):
        await checkin.desk_summary(township, made["event_id"])
    assert await statuses(made["event_id"]) == ["registered", "registered"]


async def test_a_cancelled_registration_does_not_check_in(client, clock):
    made = await fair_with_people(client)
    await Registration.update({Registration.status: "cancelled"}).where(
        Registration.id == made["registrations"][0])

    with pytest.raises(Conflict) as refused:
        await checkin.check_in(made["actor"], made["event_id"], checkin_code(made["registrations"][0], SECRET),
                               SECRET, clock)

    assert refused.value.code == "registration_not_active"
    assert await receipts() == []


async def test_a_cancelled_event_has_no_desk(client, clock):
    made = await fair_with_people(client)
    await Event.update({Event.status: "cancelled"}).where(Event.id == made["event_id"])

    with pytest.raises(Conflict) as refused:
        await checkin.check_in(made["actor"], made["event_id"], checkin_code(made["registrations"][0], SECRET),
                               SECRET, clock)

    assert refused.value.code == "event_not_open"


async def test_an_offline_scan_syncs_later_with_its_own_time_and_id_once(client, clock):
    made = await fair_with_people(client)
    code = checkin_code(made["registrations"][0], SECRET)
    scanned = clock.now() - timedelta(minutes=40)

    synced = await checkin.check_in(made["actor"], made["event_id"], code, SECRET, clock, scanned_at=scanned,
                                    client_id="desk-2:17")
    again = await checkin.check_in(made["actor"], made["event_id"], code, SECRET, clock, scanned_at=scanned,
                                   client_id="desk-2:17")

    assert (synced.already, synced.checked_in_at, synced.client_id) == (False, scanned, "desk-2:17")
    assert (again.already, again.checked_in_at) == (True, scanned)
    assert [r["checked_in_at"] for r in await receipts()] == [scanned]
    with pytest.raises(InvalidInput) as future:
        await checkin.check_in(made["actor"], made["event_id"], checkin_code(made["registrations"][1], SECRET),
                               SECRET, clock, scanned_at=clock.now() + timedelta(hours=1))
    assert future.value.problems[0].field == "scanned_at"
