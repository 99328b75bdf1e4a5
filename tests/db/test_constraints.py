"""What must never happen is refused by the database itself, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fairs.db.integrity import constraint_name
from fairs.db.tables import (
    Attendee,
    Booth,
    Campaign,
    Event,
    InterviewSlot,
    Organization,
    Position,
    Registration,
    Venue,
)

T0 = datetime(2027, 3, 11, 1, 0, tzinfo=UTC)


async def world() -> dict[str, int]:
    campaign = Campaign(name="c", kind="festival", created_at=T0)
    await campaign.save()
    venue = Venue(name="v", created_at=T0)
    await venue.save()
    event = Event(campaign=campaign.id, venue=venue.id, kind="onsite_fair", title="e", starts_at=T0,
                  ends_at=T0 + timedelta(hours=3), created_at=T0)
    await event.save()
    org = Organization(name="o", credit_code="91430200MA4L0000X0", industry="x", created_at=T0)
    await org.save()
    org2 = Organization(name="o2", credit_code="91430200MA4L0000X1", industry="x", created_at=T0)
    await org2.save()
    position = Position(organization=org.id, title="p", industry="x", created_at=T0)
    await position.save()
    position2 = Position(organization=org2.id, title="p2", industry="x", created_at=T0)
    await position2.save()
    person = Attendee(name="a", phone="13900000001", consent_version="v", consent_at=T0, created_at=T0,
                      skills=[], desired_industries=[], priority_groups=[])
    await person.save()
    return {"event": event.id, "org": org.id, "org2": org2.id, "position": position.id,
            "position2": position2.id, "attendee": person.id, "venue": venue.id}


def interview(w: dict[str, int], start: datetime, minutes: int = 20, org: str = "org", **extra) -> InterviewSlot:
    return InterviewSlot(event=w["event"], organization=w[org], position=w["position" if org == "org" else "position2"],
                         attendee=w["attendee"], slot_index=0, starts_at=start,
                         ends_at=start + timedelta(minutes=minutes), created_at=T0, **extra)


async def refused(row, name: str) -> None:
    with pytest.raises(Exception) as error:
        await row.save()
    assert constraint_name(error.value) == name


async def test_an_attendee_cannot_have_two_overlapping_interviews():
    w = await world()
    await interview(w, T0).save()
    await refused(interview(w, T0 + timedelta(minutes=10), org="org2"), "interview_no_overlap")
    # back to back is fine, and a cancelled interview does not block the time
    await interview(w, T0 + timedelta(minutes=20), org="org2").save()
    assert await InterviewSlot.count() == 2


async def test_a_cancelled_interview_frees_its_time():
    w = await world()
    first = interview(w, T0, status="cancelled")
    await first.save()
    await interview(w, T0, org="org2").save()
    assert await InterviewSlot.count() == 2


async def test_moving_an_interview_onto_another_is_refused():
    w = await world()
    await interview(w, T0).save()
    later = interview(w, T0 + timedelta(hours=1), org="org2")
    await later.save()
    with pytest.raises(Exception) as error:
        await InterviewSlot.update({InterviewSlot.starts_at: T0 + timedelta(minutes=5),
                                    InterviewSlot.ends_at: T0 + timedelta(minutes=25)}).where(
            InterviewSlot.id == later.id)
    assert constraint_name(error.value) == "interview_no_overlap"


async def test_an_attendee_meets_an_employer_once_per_event():
    w = await world()
    await interview(w, T0).save()
    await refused(interview(w, T0 + timedelta(hours=1)), "interview_once_per_employer")


async def test_one_registration_per_attendee_and_event():
    w = await world()
    await Registration(attendee=w["attendee"], event=w["event"], created_at=T0).save()
    await refused(Registration(attendee=w["attendee"], event=w["event"], created_at=T0),
                  "registration_once_per_event")


async def test_booth_codes_are_unique_per_venue():
    w = await world()
    await Booth(venue=w["venue"], code="A01", features=[]).save()
    await refused(Booth(venue=w["venue"], code="A01", features=[]), "booth_code_per_venue")


@pytest.mark.parametrize(("changes", "name"), [
    ({"status": "maybe"}, "event_status"),
    ({"kind": "party"}, "event_kind"),
    ({"ends_at": T0 - timedelta(hours=1)}, "event_times"),
    ({"interview_slot_minutes": 0}, "event_interview_settings"),
])
async def test_event_rules_are_checked_by_the_database(changes, name):
    w = await world()
    columns = {"campaign": 1, "venue": w["venue"], "kind": "onsite_fair", "title": "e", "starts_at": T0,
               "ends_at": T0 + timedelta(hours=1), "created_at": T0, **changes}
    campaign = await Campaign.select(Campaign.id).first()
    columns["campaign"] = campaign["id"]
    await refused(Event(**columns), name)


async def test_an_interview_cannot_end_before_it_starts():
    w = await world()
    await refused(interview(w, T0, minutes=-20), "interview_times")
