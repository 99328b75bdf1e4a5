"""The Zhuzhou demo loads through the services, is valid, and loads only once."""

from __future__ import annotations

import pytest

from fairs.core.credit_code import normalize_credit_code
from fairs.core.errors import Conflict
from fairs.db.tables import (
    TABLES,
    Account,
    Attendee,
    Booth,
    BoothReservation,
    Event,
    Organization,
    Position,
    Registration,
)
from fairs.services import demo


async def _row_counts() -> dict[str, int]:
    return {table._meta.tablename: await table.count() for table in TABLES}


async def test_seed_loads_the_demo_once() -> None:
    summary = await demo.seed()

    assert summary["created"] is True
    expected = {
        "organizations": 20, "attendees": 200, "attendee_accounts": 60, "campaigns": 2,
        "venues": 11, "events": 12, "village_stop_events": 10, "festival_booths": 40,
        "festival_registrations": 150, "festival_registrations_by_staff": 90,
        "confirmed_reservations": 12,
    }
    assert {key: summary[key] for key in expected} == expected
    assert summary["logins"]["organizer"] == "demo-organizer"

    # The database holds exactly that.
    assert await Organization.count() == 20
    assert await Attendee.count() == 200
    assert await Account.count().where(Account.role == "attendee") == 60
    assert await Account.count().where(Account.role == "employer") == 20
    assert await Account.count().where(Account.role == "staff") == 1
    assert await Account.count().where(Account.role == "organizer") == 1
    fair = await Event.select().where(Event.id == summary["festival_event_id"]).first()
    assert fair["kind"] == "onsite_fair" and fair["status"] == "published"
    assert fair["interview_slot_minutes"] == 20 and fair["interviews_per_attendee"] == 3
    assert await Booth.count().where(Booth.venue == fair["venue"]) == 40
    assert await Registration.count() == 150
    assert await Registration.count().where(Registration.event == fair["id"]) == 150
    assert await Registration.count().where(Registration.channel == "staff") == 90
    assert await BoothReservation.count().where(BoothReservation.status == "confirmed") == 12
    assert await BoothReservation.count() == 12
    village_stops = Event.count().where(Event.kind == "village_stop", Event.status == "published")
    assert await village_stops == 10
    assert await Event.count().where(Event.status != "published") == 0
    assert 20 <= summary["positions"] == await Position.count() <= 80
    for org in await Organization.select(Organization.credit_code):
        assert normalize_credit_code(org["credit_code"]) == org["credit_code"]
    for venue in await Event.select(Event.venue.latitude, Event.venue.longitude).where(
        Event.kind == "village_stop"
    ):
        assert 26.4 <= venue["venue.latitude"] <= 28.0
        assert 113.0 <= venue["venue.longitude"] <= 113.9
    priority = await Attendee.count().where(Attendee.priority_groups != [])
    assert 50 <= priority <= 110  # about 40 % of 200

    # A second run reports the same and writes nothing.
    before = await _row_counts()
    again = await demo.seed()
    assert again["created"] is False
    assert {**again, "created": True} == summary
    assert await _row_counts() == before


async def test_first_organizer_login_must_be_free() -> None:
    account_id = await demo.create_first_organizer("bureau-admin", "a-long-password", "人社局")
    row = await Account.select().where(Account.id == account_id).first()
    assert row["role"] == "organizer" and row["password_hash"] != "a-long-password"
    with pytest.raises(Conflict) as refused:
        await demo.create_first_organizer("bureau-admin", "another-password", "人社局")
    assert refused.value.field == "login"
    assert await Account.count().where(Account.login == "bureau-admin") == 1
