"""What the attendee's and the service-station staff's pages read: the employers taking part
in a fair (public), the fair's interview blocks as times, and one registration as a sheet
(the fair, its place, the person's name with a masked phone) for a slip or a day plan."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fairs.core.errors import NotFound
from fairs.db.tables import Attendee, BoothReservation, Event, Participation, Venue
from fairs.services.context import Actor
from fairs.services.people import shown_phone
from fairs.services.registrations import get_registration


async def employers_at(event_id: int) -> list[dict[str, Any]]:
    """The organizations approved to take part in the event, by name, with their booth codes
    (who exhibits at a published fair is public)."""
    rows = await Participation.select(
        Participation.organization.as_alias("id"), Participation.organization.name.as_alias("name"),
        Participation.organization.industry.as_alias("industry")).where(
        Participation.event == event_id, Participation.status == "approved").order_by(Participation.organization.name)
    booths = await BoothReservation.select(BoothReservation.organization, BoothReservation.booth.code.as_alias("code")
                                           ).where(BoothReservation.event == event_id,
                                                   BoothReservation.status == "confirmed")
    codes: dict[int, list[str]] = {}
    for booth in booths:
        codes.setdefault(booth["organization"], []).append(booth["code"])
    return [{**row, "booths": sorted(codes.get(row["id"], []))} for row in rows]


def block_times(event: dict[str, Any]) -> list[dict[str, Any]]:
    """The event's interview blocks as ``{index, starts_at, ends_at}`` in the event's zone
    (one block, the whole day, when it has none)."""
    zone = ZoneInfo(event["timezone"])
    starts, minutes = event["starts_at"].astimezone(zone), event["interview_slot_minutes"]
    blocks = event["interview_blocks"] or []
    if not blocks:
        return [{"index": 0, "starts_at": starts, "ends_at": event["ends_at"].astimezone(zone)}]
    return [{"index": i, "starts_at": starts + timedelta(minutes=minutes * first),
             "ends_at": starts + timedelta(minutes=minutes * (last + 1))} for i, (first, last) in enumerate(blocks)]


async def registration_sheet(actor: Actor, registration_id: int) -> dict[str, Any]:
    """One registration the actor may see (else 404), with its event (times in the event's
    zone), the venue's name and address, and the person's name and masked phone."""
    registration = await get_registration(actor, registration_id)
    event = await Event.select(Event.id, Event.title, Event.kind, Event.starts_at, Event.ends_at, Event.timezone,
                               Event.online_url, Event.venue, Event.status).where(
        Event.id == registration["event"]).first()
    person = await Attendee.select(Attendee.name, Attendee.phone).where(
        Attendee.id == registration["attendee"]).first()
    if event is None or person is None:
        raise NotFound("no such registration", field="registration_id")
    zone = ZoneInfo(event["timezone"])
    event["starts_at"], event["ends_at"] = event["starts_at"].astimezone(zone), event["ends_at"].astimezone(zone)
    venue = None
    if event["venue"] is not None:
        venue = await Venue.select(Venue.name, Venue.address).where(Venue.id == event["venue"]).first()
    return {"registration": registration, "event": event, "venue": venue, "name": person["name"],
            "phone": shown_phone(person["phone"], full=False)}
