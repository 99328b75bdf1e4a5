"""Calendar items: one stable UID per thing for its whole life, files built on demand."""

from __future__ import annotations

import os
import time
from typing import Any

from fairs.core import ics
from fairs.core.errors import NotFound
from fairs.db.tables import Account, CalendarItem, Event, Venue
from fairs.services.context import SYSTEM_CLOCK, Actor, Clock
from fairs.services.interviews import interview_view

UID_DOMAIN = "fairs"


def new_uid() -> str:
    """Opaque: says nothing about the person or the thing it stands for (see :func:`new_uids`)."""
    return new_uids(1)[0]


def new_uids(count: int) -> list[str]:
    """``count`` UIDs drawn at once (a matching run needs one for each of its 200,000
    interviews): 32 hex digits, the draw's millisecond (48 bits) and 48 random bits, then a
    count within the draw (32 bits). They rise in the order drawn, so the unique index on
    ``calendar_item.uid`` takes them at its end (random UIDs cost a matching run 0.75 s there
    against about 0.3 s); two draws share a prefix only if they fall in the same millisecond
    and draw the same 48 random bits. A UID is an identifier, not a secret: nothing is looked
    up by a UID a caller sends."""
    prefix = f"{time.time_ns() // 1_000_000 & 0xFFFF_FFFF_FFFF:012x}{os.urandom(6).hex()}"
    return [f"{prefix}{n:08x}@{UID_DOMAIN}" for n in range(count)]


async def add_item(kind: str, clock: Clock, *, event_id: int | None = None,
                   interview_slot_id: int | None = None) -> CalendarItem:
    row = CalendarItem(uid=new_uid(), sequence=0, kind=kind, event=event_id,
                       interview_slot=interview_slot_id, cancelled=False, updated_at=clock.now())
    await row.save()
    return row


def _organizer(mailbox: str) -> ics.CalendarParty:
    return ics.CalendarParty(name="fairs", email=mailbox)


async def interview_facts(actor: Actor, interview_id: int, organizer_mailbox: str) -> ics.InterviewFacts:
    view = await interview_view(actor, interview_id)
    item = await CalendarItem.select(CalendarItem.uid, CalendarItem.sequence).where(
        CalendarItem.interview_slot == interview_id
    ).first()
    if item is None:
        raise NotFound("no calendar entry for this interview", field="interview_id")
    recipient = await Account.select(Account.display_name, Account.email).where(
        Account.id == actor.account_id).first()
    assert recipient is not None
    return ics.InterviewFacts(
        uid=item["uid"], sequence=item["sequence"], starts_at=view["starts_at"], ends_at=view["ends_at"],
        timezone=view["timezone"], event_title=view["event_title"],
        organization_name=view["organization_name"], position_title=view["position_title"],
        booth_code=view["booth_code"], venue_name=view["venue_name"] or "",
        venue_address=view["venue_address"] or "", organizer=_organizer(organizer_mailbox),
        recipient=ics.CalendarParty(name=recipient["display_name"] or "", email=recipient["email"] or None),
        cancelled=view["status"] in ("cancelled", "declined"),
    )


async def interview_file(actor: Actor, interview_id: int, organizer_mailbox: str, language: str,
                         clock: Clock = SYSTEM_CLOCK) -> bytes:
    """The .ics download of one interview for the actor (no METHOD: it is a download)."""
    facts = await interview_facts(actor, interview_id, organizer_mailbox)
    entry = ics.interview_entry(facts, "en" if language == "en" else "zh")
    return ics.build_calendar([entry], stamped_at=clock.now())


async def event_file(event_id: int, organizer_mailbox: str, language: str, clock: Clock = SYSTEM_CLOCK) -> bytes:
    """The .ics download of a published fair (public information)."""
    event = await Event.select().where(
        Event.id == event_id, Event.status.is_in(["published", "closed", "cancelled"])).first()
    if event is None:
        raise NotFound("no such event", field="event_id")
    venue: dict[str, Any] | None = None
    if event["venue"] is not None:
        venue = await Venue.select(Venue.name, Venue.address).where(Venue.id == event["venue"]).first()
    item = await CalendarItem.select(CalendarItem.uid, CalendarItem.sequence).where(
        CalendarItem.event == event_id, CalendarItem.kind == "fair_event").first()
    if item is None:
        raise NotFound("no calendar entry for this event", field="event_id")
    facts = ics.FairEventFacts(
        uid=item["uid"], sequence=item["sequence"], starts_at=event["starts_at"], ends_at=event["ends_at"],
        timezone=event["timezone"], title=event["title"], venue_name=venue["name"] if venue else None,
        venue_address=venue["address"] if venue else None, online_url=event["online_url"] or None,
        organizer=_organizer(organizer_mailbox), cancelled=event["status"] == "cancelled",
    )
    entry = ics.fair_event_entry(facts, "en" if language == "en" else "zh")
    return ics.build_calendar([entry], stamped_at=clock.now())
