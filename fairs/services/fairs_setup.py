"""Organizers set up campaigns, venues with their booths, and events."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fairs.core import states
from fairs.core.errors import InvalidInput, NotFound
from fairs.db.tables import Booth, CalendarItem, Campaign, Event, InterviewSlot, Venue
from fairs.db.transactions import write_transaction
from fairs.services.calendar import add_item
from fairs.services.context import SYSTEM_CLOCK, Actor, Clock

CAMPAIGN_KINDS = ("village_tour", "festival", "other")
EVENT_KINDS = ("onsite_fair", "village_stop", "online_fair", "training")


def require_organizer(actor: Actor) -> None:
    if not actor.is_organizer:
        raise NotFound("not found")


def _zone(name: str, field: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidInput("must be an IANA time zone such as Asia/Shanghai", field) from None
    return name


async def create_campaign(actor: Actor, name: str, kind: str, description: str = "",
                          clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    require_organizer(actor)
    if not name.strip():
        raise InvalidInput("must not be empty", "name")
    if kind not in CAMPAIGN_KINDS:
        raise InvalidInput(f"must be one of {', '.join(CAMPAIGN_KINDS)}", "kind")
    async with write_transaction():
        row = Campaign(name=name.strip(), kind=kind, description=description,
                       created_by=actor.account_id, created_at=clock.now())
        await row.save()
    return row.to_dict()


async def list_campaigns() -> list[dict[str, Any]]:
    return await Campaign.select().order_by(Campaign.id)


@dataclass(frozen=True)
class BoothSpec:
    code: str
    zone: str = ""
    width_m: float = 3.0
    depth_m: float = 3.0
    features: tuple[str, ...] = ()


async def create_venue(actor: Actor, name: str, address: str, latitude: float | None,
                       longitude: float | None, timezone: str, booths: list[BoothSpec],
                       clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    require_organizer(actor)
    if not name.strip():
        raise InvalidInput("must not be empty", "name")
    _zone(timezone, "timezone")
    if latitude is not None and not -90 <= latitude <= 90:
        raise InvalidInput("must be between -90 and 90", "latitude")
    if longitude is not None and not -180 <= longitude <= 180:
        raise InvalidInput("must be between -180 and 180", "longitude")
    codes = [b.code.strip() for b in booths]
    for i, code in enumerate(codes):
        if not code:
            raise InvalidInput("must not be empty", f"booths[{i}].code")
        if code in codes[:i]:
            raise InvalidInput(f"booth code {code!r} appears twice", f"booths[{i}].code")
    async with write_transaction():
        venue = Venue(name=name.strip(), address=address, latitude=latitude, longitude=longitude,
                      timezone=timezone, created_at=clock.now())
        await venue.save()
        if booths:
            await Booth.insert(*[
                Booth(venue=venue.id, code=b.code.strip(), zone=b.zone, width_m=b.width_m,
                      depth_m=b.depth_m, features=list(b.features))
                for b in booths
            ])
    return await venue_with_booths(int(venue.id))


async def venue_with_booths(venue_id: int) -> dict[str, Any]:
    venue = await Venue.select().where(Venue.id == venue_id).first()
    if venue is None:
        raise NotFound("no such venue", field="venue_id")
    venue["booths"] = await Booth.select().where(Booth.venue == venue_id).order_by(Booth.code)
    return venue


async def list_venues() -> list[dict[str, Any]]:
    return await Venue.select().order_by(Venue.id)


@dataclass(frozen=True)
class EventSpec:
    campaign_id: int
    kind: str
    title: str
    starts_at: datetime
    ends_at: datetime
    venue_id: int | None = None
    timezone: str | None = None
    online_url: str = ""
    interview_slot_minutes: int = 20
    interviews_per_attendee: int = 3


async def create_event(actor: Actor, spec: EventSpec, clock: Clock = SYSTEM_CLOCK,
                       default_timezone: str = "Asia/Shanghai") -> dict[str, Any]:
    """Times must be aware. The event's zone: the one given, else its venue's, else
    ``default_timezone`` (FAIRS_TIMEZONE)."""
    require_organizer(actor)
    if spec.kind not in EVENT_KINDS:
        raise InvalidInput(f"must be one of {', '.join(EVENT_KINDS)}", "kind")
    if not spec.title.strip():
        raise InvalidInput("must not be empty", "title")
    if spec.starts_at.tzinfo is None:
        raise InvalidInput("must carry a UTC offset, e.g. 2027-03-11T09:00:00+08:00", "starts_at")
    if spec.ends_at.tzinfo is None:
        raise InvalidInput("must carry a UTC offset, e.g. 2027-03-11T12:00:00+08:00", "ends_at")
    if spec.ends_at <= spec.starts_at:
        raise InvalidInput("must be after starts_at", "ends_at")
    if not 5 <= spec.interview_slot_minutes <= 240:
        raise InvalidInput("must be between 5 and 240", "interview_slot_minutes")
    if not 1 <= spec.interviews_per_attendee <= 10:
        raise InvalidInput("must be between 1 and 10", "interviews_per_attendee")
    if spec.kind == "online_fair" and not spec.online_url.startswith(("https://", "http://")):
        raise InvalidInput("an online fair needs the livestream or meeting link", "online_url")
    if spec.kind != "online_fair" and spec.venue_id is None:
        raise InvalidInput("an on-site event needs a venue", "venue_id")
    if not await Campaign.exists().where(Campaign.id == spec.campaign_id):
        raise InvalidInput("no such campaign", "campaign_id")
    timezone = spec.timezone
    if spec.venue_id is not None:
        venue = await Venue.select(Venue.timezone).where(Venue.id == spec.venue_id).first()
        if venue is None:
            raise InvalidInput("no such venue", "venue_id")
        timezone = timezone or venue["timezone"]
    timezone = _zone(timezone or default_timezone, "timezone")
    async with write_transaction():
        row = Event(
            campaign=spec.campaign_id, venue=spec.venue_id, kind=spec.kind, title=spec.title.strip(),
            starts_at=spec.starts_at, ends_at=spec.ends_at, timezone=timezone, status="draft",
            online_url=spec.online_url, interview_slot_minutes=spec.interview_slot_minutes,
            interviews_per_attendee=spec.interviews_per_attendee, created_at=clock.now(),
        )
        await row.save()
        await add_item("fair_event", clock, event_id=int(row.id))
    return await get_event(int(row.id))


async def change_event_status(actor: Actor, event_id: int, wanted: str, clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    require_organizer(actor)
    async with write_transaction():
        event = await Event.select(Event.status).where(Event.id == event_id).first()
        if event is None:
            raise NotFound("no such event", field="event_id")
        states.move("event", event["status"], wanted)
        await Event.update({Event.status: wanted}).where(Event.id == event_id)
        if wanted == "cancelled":
            await _cancel_calendar_entries(event_id, clock)
    return await get_event(event_id)


async def _cancel_calendar_entries(event_id: int, clock: Clock) -> None:
    """A cancelled event cancels its interviews; every calendar entry of the event keeps its
    UID, gets a higher SEQUENCE and is marked cancelled (clients then remove it)."""
    await InterviewSlot.update({InterviewSlot.status: "cancelled"}).where(
        InterviewSlot.event == event_id, InterviewSlot.status.is_in(list(states.ACTIVE_INTERVIEW)))
    await CalendarItem.update({
        CalendarItem.sequence: CalendarItem.sequence + 1,
        CalendarItem.cancelled: True,
        CalendarItem.updated_at: clock.now(),
    }).where(CalendarItem.event == event_id, CalendarItem.cancelled.eq(False))


def _local(event: dict[str, Any]) -> dict[str, Any]:
    """The event's times in its own zone (same instants, readable offsets)."""
    zone = ZoneInfo(event["timezone"])
    event["starts_at"], event["ends_at"] = event["starts_at"].astimezone(zone), event["ends_at"].astimezone(zone)
    return event


async def get_event(event_id: int, *, published_only: bool = False) -> dict[str, Any]:
    query = Event.select().where(Event.id == event_id)
    if published_only:
        query = query.where(Event.status.is_in(["published", "closed"]))
    event = await query.first()
    if event is None:
        raise NotFound("no such event", field="event_id")
    return _local(event)


async def list_events(*, published_only: bool, campaign_id: int | None = None) -> list[dict[str, Any]]:
    query = Event.select().order_by(Event.starts_at).order_by(Event.id)
    if published_only:
        query = query.where(Event.status.is_in(["published", "closed"]))
    if campaign_id is not None:
        query = query.where(Event.campaign == campaign_id)
    return [_local(event) for event in await query]
