"""A generated campaign that already happened, written straight to the tables: events, people
(from a few villages, some in priority groups), registrations (some cancelled, some checked
in), interviews (kept, declined), outcomes (hires with positions and start dates) and answered
follow-up calls. For checking reports against an independent count."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fairs.core.areas import AreaRow
from fairs.db.tables import (
    Attendee,
    Campaign,
    Event,
    FollowUp,
    InterviewSlot,
    Organization,
    Position,
    Registration,
    Venue,
)
from fairs.services import areas, stages
from tests.support import factories as f
from tests.support.tours import VILLAGES

T0 = datetime(2027, 1, 10, 1, 0, tzinfo=UTC)
INDUSTRIES = ("manufacturing", "services", "logistics")
GROUPS = ("older_worker", "rural_labour", "low_skill", "laid_off")


async def generated_campaign(people: int = 120, seed: int = 5) -> dict[str, Any]:
    rng = random.Random(seed)
    await f.ensure_areas()
    await areas.import_areas(None, [AreaRow(code, name, "village", f.NANZHOU, lat, lon)
                                    for code, name, lat, lon in VILLAGES])
    ids = await f.ensure_areas()
    villages = [ids[code] for code, *_ in VILLAGES] + [ids[f.NANZHOU_VILLAGE]]
    campaign = Campaign(name="春风行动", kind="festival", area=ids[f.CITY], description="", created_at=T0)
    await campaign.save()
    venue = Venue(name="体育中心", area=ids[f.CITY], address="", created_at=T0)
    await venue.save()
    events = []
    for n in range(3):
        starts = T0 + timedelta(days=7 * n)
        event = Event(campaign=campaign.id, venue=venue.id, area=ids[f.CITY], kind="onsite_fair",
                      title=f"招聘会{n + 1}", starts_at=starts, ends_at=starts + timedelta(hours=4),
                      status="closed", created_at=T0)
        await event.save()
        events.append(int(event.id))
    organizations, positions = [], {}
    for n in range(5):
        org = Organization(name=f"企业{n}", credit_code=f.credit_code(900 + n), industry=INDUSTRIES[n % 3],
                           created_at=T0)
        await org.save()
        organizations.append(int(org.id))
        made = []
        for k in range(2):
            position = Position(organization=org.id, title=f"岗位{n}-{k}", industry=INDUSTRIES[(n + k) % 3],
                                skills=[], required_certificates=[], created_at=T0)
            await position.save()
            made.append(int(position.id))
        positions[int(org.id)] = made
    attendees = []
    for n in range(people):
        groups = rng.sample(GROUPS, rng.choice([0, 0, 1, 2]))
        email = f"p{n:04d}@mail.example.org" if n % 3 else ""
        person = Attendee(name=f"求职者{n:04d}号", phone=f.mobile(5000 + n), email=email,
                          home_area=rng.choice(villages), skills=["welding"], desired_industries=["manufacturing"],
                          priority_groups=groups, certificates=[], consent_version="v1", consent_at=T0, created_at=T0)
        await person.save()
        attendees.append(int(person.id))
    for person in attendees:
        for event in rng.sample(events, rng.choice([1, 1, 2])):
            status = rng.choices(["registered", "checked_in", "cancelled"], [3, 6, 1])[0]
            await Registration(attendee=person, event=event, status=status, channel="self", ranked_organizations=[],
                               created_at=T0).save()
            if status == "cancelled":
                continue
            starts = (await Event.select(Event.starts_at).where(Event.id == event).first())["starts_at"]
            for slot, org in enumerate(rng.sample(organizations, rng.choice([0, 1, 2, 3]))):
                kept = rng.random() < 0.85
                outcome = rng.choices(["", "no_show", "attended", "offer", "hired"], [1, 1, 3, 2, 2])[0] if kept else ""
                hired = outcome == "hired"
                interview = InterviewSlot(
                    event=event, organization=org, position=positions[org][0], attendee=person, slot_index=slot,
                    starts_at=starts + timedelta(minutes=20 * slot), ends_at=starts + timedelta(minutes=20 * slot + 20),
                    status=rng.choice(["accepted", "proposed"]) if kept else "declined", outcome=outcome,
                    hired_position=positions[org][1] if hired else None,
                    start_date=(starts.date() + timedelta(days=10)).isoformat() if hired else None, created_at=T0)
                await interview.save()
                if hired:
                    for kind in ("retention_1m", "retention_3m", "retention_6m"):
                        if rng.random() < 0.7:
                            await FollowUp(attendee=person, interview=interview.id, kind=kind,
                                           due_on=date(2027, 3, 1).isoformat(), status="done",
                                           answer=rng.choice(["still_employed", "still_employed", "left"]), note="",
                                           created_at=T0).save()
    await stages.refresh(events)  # written straight to the tables: derive how far each person got
    return {"campaign_id": int(campaign.id), "events": events, "organizations": organizations,
            "attendees": attendees}
