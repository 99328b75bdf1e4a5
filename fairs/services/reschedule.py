"""Moving an event (a rained-out village stop, a venue double-booked): one call moves the
event, its interviews and its booths' times together, gives every calendar entry of the event
a higher SEQUENCE, and tells each person concerned once.

Interviews keep their slot numbers: the whole grid moves with the event, so nobody's order of
the day changes. A move that would make an attendee's interview overlap another of theirs
(at another event) is refused by the database's no-overlap rule, and nothing moves.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fairs.core import states
from fairs.core.errors import Conflict, InvalidInput, NotFound
from fairs.db.tables import Attendee, BoothReservation, CalendarItem, Event, InterviewSlot, Organization, Registration
from fairs.db.transactions import lock_rows, write_transaction
from fairs.services import scope
from fairs.services.context import SYSTEM_CLOCK, Actor, Clock
from fairs.services.fairs_setup import get_event, require_organizer
from fairs.services.invitations import calendar_content_type
from fairs.services.outbox import queue_message


async def reschedule_event(actor: Actor, event_id: int, starts_at: datetime, ends_at: datetime | None,
                           clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    """Move a draft or published event to start at ``starts_at`` (ending ``ends_at``, or as long
    as before)."""
    require_organizer(actor)
    if starts_at.tzinfo is None:
        raise InvalidInput("give the time with its UTC offset, e.g. 2027-03-12T09:00:00+08:00", "starts_at")
    now = clock.now()
    async with write_transaction():
        event = await Event.select().where(Event.id == event_id, scope.writable(actor, Event.area)).first()
        if event is None:
            raise NotFound("no such event", field="event_id")
        await lock_rows(Event, [event_id])
        if event["status"] not in ("draft", "published"):
            raise Conflict(f"the event is {event['status']}; it can no longer move", field="event_id",
                           code="event_not_open")
        shift = starts_at - event["starts_at"]
        new_end = ends_at if ends_at is not None else event["ends_at"] + shift
        if new_end.tzinfo is None:
            raise InvalidInput("give the time with its UTC offset", "ends_at")
        if new_end <= starts_at:
            raise InvalidInput("must be after starts_at", "ends_at")
        if starts_at <= now:
            raise InvalidInput("must be in the future", "starts_at")
        if ends_at is not None and new_end - starts_at != event["ends_at"] - event["starts_at"]:
            raise InvalidInput("the interview grid moves with the event: keep its length (leave ends_at out)",
                               "ends_at")
        if shift:
            await move_event(event, starts_at, new_end, clock)
    return await get_event(event_id, actor)


async def move_event(event: dict[str, Any], starts_at: datetime, ends_at: datetime, clock: Clock) -> None:
    """Move the event row, its interviews (by the start's shift) and its calendar entries'
    SEQUENCE, and tell everyone concerned. Call inside the write transaction, event locked."""
    event_id, shift = event["id"], starts_at - event["starts_at"]
    await Event.update({Event.starts_at: starts_at, Event.ends_at: ends_at}).where(Event.id == event_id)
    await InterviewSlot.update({InterviewSlot.starts_at: InterviewSlot.starts_at + shift,
                                InterviewSlot.ends_at: InterviewSlot.ends_at + shift}).where(
        InterviewSlot.event == event_id, InterviewSlot.status.is_in(list(states.ACTIVE_INTERVIEW)))
    await CalendarItem.update({CalendarItem.sequence: CalendarItem.sequence + 1,
                               CalendarItem.updated_at: clock.now()}).where(
        CalendarItem.event == event_id, CalendarItem.cancelled.eq(False))
    await _tell_everyone(event, starts_at, clock)


async def _tell_everyone(event: dict[str, Any], starts_at: datetime, clock: Clock) -> None:
    """One message per calendar entry that moved (its update, REQUEST at the new SEQUENCE), and
    one text to each registered person without e-mail."""
    event_id = event["id"]
    zone = ZoneInfo(event["timezone"])
    when = starts_at.astimezone(zone).strftime("%m-%d %H:%M")
    text = f"【就业服务】{event['title']} 改期至 {when}，您的面试时间随之顺延，请留意新时间。"
    text_en = f"fairs: {event['title']} moves to {when}; your interview times move with it."
    items = await CalendarItem.select(CalendarItem.id, CalendarItem.uid, CalendarItem.sequence, CalendarItem.kind,
                                      CalendarItem.interview_slot, CalendarItem.booth_reservation).where(
        CalendarItem.event == event_id, CalendarItem.cancelled.eq(False), CalendarItem.kind != "fair_event")
    attendee_of = {s["id"]: s["attendee"] for s in await InterviewSlot.select(
        InterviewSlot.id, InterviewSlot.attendee).where(InterviewSlot.event == event_id)}
    organization_of = {b["id"]: b["organization"] for b in await BoothReservation.select(
        BoothReservation.id, BoothReservation.organization).where(BoothReservation.event == event_id)}
    registered = {r["attendee"] for r in await Registration.select(Registration.attendee).where(
        Registration.event == event_id, Registration.status.is_in(["registered", "checked_in"]))}
    people = {a["id"]: a for a in await Attendee.select(
        Attendee.id, Attendee.email, Attendee.phone, Attendee.language).where(
        Attendee.id.is_in(sorted(registered | set(attendee_of.values())) or [-1]))}
    contacts = {o["id"]: o["contact_email"] for o in await Organization.select(
        Organization.id, Organization.contact_email).where(Organization.id.is_in(
            sorted(set(organization_of.values())) or [-1]))}
    texted: set[int] = set()
    for item in items:
        if item["interview_slot"]:
            person = people.get(attendee_of.get(item["interview_slot"], -1))
            if person is None:
                continue
            if not person["email"]:
                if person["id"] not in texted:
                    texted.add(person["id"])
                    await queue_message(f"moved:{event_id}:{starts_at.isoformat()}:{person['phone']}:sms", "sms",
                                        person["phone"], "", text_en if person["language"] == "en" else text, clock)
                continue
            recipient = person["email"]
        else:
            recipient = contacts.get(organization_of.get(item["booth_reservation"], -1), "")
            if not recipient:
                continue
        await queue_message(f"calendar:{item['uid']}:{item['sequence']}:{recipient}:email", "email", recipient,
                            f"改期 Rescheduled · {event['title']}", f"{text}\n{text_en}", clock,
                            attachment_type=calendar_content_type("REQUEST"), calendar_item=item["id"],
                            sequence=item["sequence"], method="REQUEST")
    for attendee_id in sorted(registered - set(attendee_of.values()) - texted):
        person = people[attendee_id]
        channel, address = ("email", person["email"]) if person["email"] else ("sms", person["phone"])
        await queue_message(f"moved:{event_id}:{starts_at.isoformat()}:{address}:{channel}", channel, address,
                            f"改期 Rescheduled · {event['title']}" if channel == "email" else "",
                            text_en if person["language"] == "en" else text, clock)
