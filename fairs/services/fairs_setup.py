"""Organizers set up campaigns, venues with their booths, and events."""

from __future__ import annotations

import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.columns.combination import Or

from fairs.core import states
from fairs.core.booth_rows import BoothRow
from fairs.core.errors import Conflict, InvalidInput, NotFound
from fairs.core.slots import TimeSlot, interview_slots
from fairs.db.tables import Booth, CalendarItem, Campaign, Event, InterviewSlot, Participation, Registration, Venue
from fairs.db.transactions import lock_rows, write_transaction
from fairs.services import scope, stages
from fairs.services.areas import area_for, writable_area
from fairs.services.calendar import add_item
from fairs.services.context import SYSTEM_CLOCK, Actor, Clock
from fairs.services.floorplans import import_plan
from fairs.services.participation import block_count

CAMPAIGN_KINDS = ("village_tour", "festival", "other")
MAIN_PLAN = "主平面图 Main floor"
EVENT_KINDS = ("onsite_fair", "village_stop", "online_fair", "training")
MAX_INTERVIEW_BLOCKS = 24


def require_organizer(actor: Actor) -> None:
    if not actor.is_organizer:
        raise NotFound("not found")


def _zone(name: str, field: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidInput("must be an IANA time zone such as Asia/Shanghai", field) from None
    return name


CAMPAIGN_COLUMNS = (Campaign.id, Campaign.name, Campaign.kind, Campaign.area, Campaign.area.name.as_alias("area_name"),
                    Campaign.description, Campaign.created_at)


async def create_campaign(actor: Actor, name: str, kind: str, area_id: int, description: str = "",
                          clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    require_organizer(actor)
    if not name.strip():
        raise InvalidInput("must not be empty", "name")
    if kind not in CAMPAIGN_KINDS:
        raise InvalidInput(f"must be one of {', '.join(CAMPAIGN_KINDS)}", "kind")
    await writable_area(actor, area_id)
    async with write_transaction():
        row = Campaign(name=name.strip(), kind=kind, area=area_id, description=description,
                       created_by=actor.account_id, created_at=clock.now())
        await row.save()
    return await get_campaign(int(row.id))


async def get_campaign(campaign_id: int) -> dict[str, Any]:
    """Campaigns are public: their names and areas are what people are invited to."""
    row = await Campaign.select(*CAMPAIGN_COLUMNS).where(Campaign.id == campaign_id).first()
    if row is None:
        raise NotFound("no such campaign", field="campaign_id")
    return row


async def list_campaigns(area_id: int | None = None) -> list[dict[str, Any]]:
    query = Campaign.select(*CAMPAIGN_COLUMNS).order_by(Campaign.id)
    if area_id is not None:
        area = await area_for(area_id, "area_id")
        query = query.where(scope.in_area(Campaign.area, area["path"]))
    return await query


async def change_campaign(actor: Actor, campaign_id: int, name: str | None, description: str | None) -> dict[str, Any]:
    require_organizer(actor)
    if name is not None and not name.strip():
        raise InvalidInput("must not be empty", "name")
    async with write_transaction():
        mine = await Campaign.select(Campaign.id).where(
            Campaign.id == campaign_id, scope.writable(actor, Campaign.area)).first()
        if mine is None:
            raise NotFound("no such campaign", field="campaign_id")
        changes: dict[Any, Any] = {}
        if name is not None:
            changes[Campaign.name] = name.strip()
        if description is not None:
            changes[Campaign.description] = description
        if changes:
            await Campaign.update(changes).where(Campaign.id == campaign_id)
    return await get_campaign(campaign_id)


@dataclass(frozen=True)
class BoothSpec:
    code: str
    zone: str = ""
    width_m: float = 3.0
    depth_m: float = 3.0
    features: tuple[str, ...] = ()


async def create_venue(actor: Actor, name: str, area_id: int, address: str, latitude: float | None,
                       longitude: float | None, timezone: str, booths: list[BoothSpec],
                       clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    require_organizer(actor)
    await writable_area(actor, area_id)
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
        venue = Venue(name=name.strip(), area=area_id, address=address, latitude=latitude, longitude=longitude,
                      timezone=timezone, created_at=clock.now())
        await venue.save()
        if booths:
            rows = [BoothRow(b.code.strip(), b.zone, width_m=b.width_m, depth_m=b.depth_m, features=b.features)
                    for b in booths]
            await import_plan(actor, int(venue.id), MAIN_PLAN, None, None, rows, clock)
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
    area_id: int | None = None
    timezone: str | None = None
    online_url: str = ""
    interview_slot_minutes: int = 20
    interviews_per_attendee: int = 3
    booth_mode: str = "direct"
    applications_close_at: datetime | None = None
    booths_per_organization: int = 1
    events_per_organization_per_month: int | None = None
    capacity: int | None = None
    interview_blocks: tuple[tuple[int, int], ...] = ()


def _slot_grid(starts_at: datetime, ends_at: datetime, minutes: int, timezone: str) -> list[TimeSlot]:
    zone = ZoneInfo(timezone)
    return interview_slots(starts_at.astimezone(zone), ends_at.astimezone(zone), minutes)


def _interview_blocks(blocks: Sequence[Sequence[int]], grid: list[TimeSlot]) -> list[list[int]]:
    """Blocks ``[first, last]`` (slot indexes, inclusive) inside the grid, ascending and not
    overlapping; gaps between them (a lunch break) are allowed."""
    if len(blocks) > MAX_INTERVIEW_BLOCKS:
        raise InvalidInput(f"at most {MAX_INTERVIEW_BLOCKS} blocks", "interview_blocks")
    if blocks and not grid:
        raise InvalidInput("the event is shorter than one interview slot", "interview_blocks")
    result: list[list[int]] = []
    for i, (first, last) in enumerate(blocks):
        field = f"interview_blocks[{i}]"
        if first > last:
            raise InvalidInput("the first slot must not come after the last", field)
        if first < 0 or last >= len(grid):
            span = f"{grid[0].starts_at:%H:%M}–{grid[-1].ends_at:%H:%M}"
            raise InvalidInput(f"must lie within slots 0–{len(grid) - 1} ({span})", field)
        if result and first <= result[-1][1]:
            raise InvalidInput(f"must start after the block before it ends (slot {result[-1][1]}): blocks go in "
                               "time order and do not overlap", field)
        result.append([first, last])
    return result


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
    if spec.booth_mode == "application" and spec.applications_close_at is None:
        raise InvalidInput("an application window needs its closing time", "applications_close_at")
    if spec.applications_close_at is not None and spec.applications_close_at.tzinfo is None:
        raise InvalidInput("must carry a UTC offset", "applications_close_at")
    if spec.applications_close_at is not None and spec.applications_close_at > spec.starts_at:
        raise InvalidInput("must be before the event starts", "applications_close_at")
    if spec.kind == "online_fair" and not spec.online_url.startswith(("https://", "http://")):
        raise InvalidInput("an online fair needs the livestream or meeting link", "online_url")
    if spec.kind != "online_fair" and spec.venue_id is None:
        raise InvalidInput("an on-site event needs a venue", "venue_id")
    campaign = await Campaign.select(Campaign.area).where(Campaign.id == spec.campaign_id).first()
    if campaign is None:
        raise InvalidInput("no such campaign", "campaign_id")
    timezone = spec.timezone
    area_id, area_field = campaign["area"], "campaign_id"
    if spec.venue_id is not None:
        venue = await Venue.select(Venue.timezone, Venue.area).where(Venue.id == spec.venue_id).first()
        if venue is None:
            raise InvalidInput("no such venue", "venue_id")
        timezone = timezone or venue["timezone"]
        area_id, area_field = venue["area"], "venue_id"
    if spec.area_id is not None:
        area_id, area_field = spec.area_id, "area_id"
    await writable_area(actor, area_id, area_field)
    timezone = _zone(timezone or default_timezone, "timezone")
    blocks = _interview_blocks(spec.interview_blocks, _slot_grid(spec.starts_at, spec.ends_at,
                                                                 spec.interview_slot_minutes, timezone))
    async with write_transaction():
        row = Event(
            campaign=spec.campaign_id, venue=spec.venue_id, area=area_id, kind=spec.kind, title=spec.title.strip(),
            starts_at=spec.starts_at, ends_at=spec.ends_at, timezone=timezone, status="draft",
            online_url=spec.online_url, interview_slot_minutes=spec.interview_slot_minutes,
            interviews_per_attendee=spec.interviews_per_attendee, booth_mode=spec.booth_mode,
            applications_close_at=spec.applications_close_at, booths_per_organization=spec.booths_per_organization,
            events_per_organization_per_month=spec.events_per_organization_per_month, capacity=spec.capacity,
            interview_blocks=blocks, created_at=clock.now(),
        )
        await row.save()
        await add_item("fair_event", clock, event_id=int(row.id))
    return await get_event(int(row.id), actor)


async def change_event_status(actor: Actor, event_id: int, wanted: str, clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    return await change_event(actor, event_id, wanted, None, clock)


async def change_event(actor: Actor, event_id: int, status: str | None,
                       interview_blocks: Sequence[Sequence[int]] | None, clock: Clock = SYSTEM_CLOCK
                       ) -> dict[str, Any]:
    """Move the event to ``status`` and/or replace its interview blocks, in one transaction
    (``None``: unchanged). Blocks are checked against the event's slot grid; an event keeps
    at least as many blocks as the highest one an active registration or an employer chose."""
    require_organizer(actor)
    async with write_transaction():
        event = await Event.select(
            Event.status, Event.starts_at, Event.ends_at, Event.interview_slot_minutes, Event.timezone,
        ).where(Event.id == event_id, scope.writable(actor, Event.area)).first()
        if event is None:
            raise NotFound("no such event", field="event_id")
        if interview_blocks is not None:
            await _change_blocks(event_id, event, interview_blocks)
        if status is not None:
            states.move("event", event["status"], status)
            await Event.update({Event.status: status}).where(Event.id == event_id)
            if status == "cancelled":
                await _cancel_calendar_entries(event_id, clock)
    return await get_event(event_id, actor)


async def _change_blocks(event_id: int, event: dict[str, Any], wanted: Sequence[Sequence[int]]) -> None:
    if event["status"] in ("closed", "cancelled"):
        raise Conflict(f"the event is {event['status']}; its interview blocks no longer change",
                       field="interview_blocks", code="event_not_open")
    blocks = _interview_blocks(wanted, _slot_grid(event["starts_at"], event["ends_at"],
                                                  event["interview_slot_minutes"], event["timezone"]))
    await lock_rows(Event, [event_id])
    chosen = [row["available_blocks"] for row in await Registration.select(Registration.available_blocks).where(
        Registration.event == event_id, Registration.available_blocks.is_not_null(),
        Registration.status.not_in(["cancelled", "expired"]))]
    chosen += [row["available_blocks"] for row in await Participation.select(Participation.available_blocks).where(
        Participation.event == event_id, Participation.available_blocks.is_not_null())]
    highest = max((index for indexes in chosen for index in indexes), default=-1)
    if highest >= block_count(blocks):
        raise Conflict(f"block {highest} is chosen by registrations or employers; keep at least {highest + 1} "
                       "blocks", field="interview_blocks", code="interview_blocks_in_use")
    await Event.update({Event.interview_blocks: blocks}).where(Event.id == event_id)


async def _cancel_calendar_entries(event_id: int, clock: Clock) -> None:
    """A cancelled event cancels its interviews; every calendar entry of the event keeps its
    UID, gets a higher SEQUENCE and is marked cancelled (clients then remove it)."""
    await InterviewSlot.update({InterviewSlot.status: "cancelled"}).where(
        InterviewSlot.event == event_id, InterviewSlot.status.is_in(list(states.ACTIVE_INTERVIEW)))
    await stages.refresh([event_id])
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


PUBLIC_STATUSES = ["published", "closed"]


def _visible_events(actor: Actor | None) -> Any:
    """Published (and closed) events are public; an organizer also sees the drafts and
    cancelled events of their area."""
    public = Event.status.is_in(PUBLIC_STATUSES)
    if actor is not None and actor.is_organizer:
        return Or(public, scope.writable(actor, Event.area))
    return public


async def get_event(event_id: int, actor: Actor | None = None) -> dict[str, Any]:
    event = await Event.select().where(Event.id == event_id, _visible_events(actor)).output(load_json=True).first()
    if event is None:
        raise NotFound("no such event", field="event_id")
    return _local(event)


async def list_events(actor: Actor | None = None, campaign_id: int | None = None,
                      area_id: int | None = None) -> list[dict[str, Any]]:
    query = Event.select().where(_visible_events(actor)).order_by(Event.starts_at).order_by(Event.id).output(
        load_json=True)
    if area_id is not None:
        area = await area_for(area_id, "area_id")
        query = query.where(scope.in_area(Event.area, area["path"]))
    if campaign_id is not None:
        query = query.where(Event.campaign == campaign_id)
    return [_local(event) for event in await query]
