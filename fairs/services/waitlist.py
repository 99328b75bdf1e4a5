"""Waitlists and time-limited offers: one engine for booths and for places at capacity-limited
events.

Booths: an approved employer waits with preferences (booths or zones; none = any booth).
When a booth frees up (cancelled, expired, released or moved away), the first waiting
employer whose preferences fit and who still has room under the event's limit gets the booth
*held* for ``OFFER_HOURS`` (a reservation with source ``offer``): confirming it accepts the
offer; letting it expire frees the booth again, which offers it to the next.

Places: an event with a ``capacity`` registers people up to it and waitlists the rest; when a
place frees up, the first waitlisted person gets it *offered* until a deadline; accepting
makes the registration ``registered``, letting it lapse makes it ``expired`` and offers the
place to the next.

Each offer's expiry is also a job with a deterministic id (``booth-offer-<reservation id>``,
``seat-offer-<registration id>``) deferred to the deadline; the cron jobs catch any that Redis
lost. Both paths are idempotent.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

from fairs.core.errors import Conflict, InvalidInput, NotFound
from fairs.db.statements import Statement
from fairs.db.tables import Booth, BoothReservation, Event, Registration, WaitlistEntry
from fairs.db.transactions import after_commit, lock_name, lock_rows, write_transaction
from fairs.services import scope
from fairs.services.booth_notices import notify_reservation
from fairs.services.context import SYSTEM_CLOCK, Actor, Clock
from fairs.services.employers import own_organization
from fairs.services.outbox import queue_message
from fairs.services.participation import event_for_employer, holds_of
from fairs.services.queue import JobQueue

log = logging.getLogger(__name__)
OFFER_HOURS = 12
EXPIRE_BOOTH_OFFER = "expire_booth_offer"
EXPIRE_SEAT_OFFER = "expire_seat_offer"
ACTIVE = ("held", "confirmed")
_queue: JobQueue | None = None


def use_queue(queue: JobQueue | None) -> None:
    """Where offer-expiry jobs go (set by the API and the worker at start-up); without one,
    the cron jobs alone expire offers."""
    global _queue
    _queue = queue


def _schedule(function: str, target_id: int, prefix: str, at: datetime) -> None:
    queue = _queue
    if queue is None:
        return
    job = f"{prefix}-{target_id}"

    async def enqueue() -> None:
        try:
            await queue.enqueue(function, target_id, job_id=job, defer_until=at)
        except Exception as error:  # noqa: BLE001 - Redis down: the cron job expires the offer instead
            log.warning("could not schedule %s (%s); the cron job will expire it", job, type(error).__name__)

    after_commit(enqueue)


# --- booths -----------------------------------------------------------------------------------

async def join(actor: Actor, event_id: int, preferences: list[dict[str, Any]], clock: Clock = SYSTEM_CLOCK
               ) -> dict[str, Any]:
    organization_id = own_organization(actor)
    async with write_transaction():
        event = await event_for_employer(organization_id, event_id, "direct")
        await check_preferences(event["venue"], preferences)
        if await WaitlistEntry.exists().where(WaitlistEntry.event == event_id,
                                             WaitlistEntry.organization == organization_id,
                                             WaitlistEntry.status.is_in(["waiting", "offered"])):
            raise Conflict("already on this event's waitlist", field="event_id", code="waitlist_once_per_event")
        row = WaitlistEntry(event=event_id, organization=organization_id, preferences=preferences, status="waiting",
                            created_at=clock.now())
        await row.save()
    return await get_entry(actor, int(row.id))


async def withdraw(actor: Actor, entry_id: int) -> dict[str, Any]:
    async with write_transaction():
        entry = await _entries(actor).where(WaitlistEntry.id == entry_id).first()
        if entry is None:
            raise NotFound("no such waitlist entry", field="entry_id")
        if entry["status"] != "waiting":
            raise Conflict(f"a waitlist entry that is {entry['status']} cannot be withdrawn", field="entry_id",
                           code="invalid_transition")
        await WaitlistEntry.update({WaitlistEntry.status: "withdrawn"}).where(WaitlistEntry.id == entry_id)
    return await get_entry(actor, entry_id)


async def check_preferences(venue_id: int, preferences: list[dict[str, Any]]) -> None:
    """Each preference names one booth or one zone of the venue; 422 names the bad one."""
    booths = await Booth.select(Booth.id, Booth.zone).where(Booth.venue == venue_id)
    ids, zones = {b["id"] for b in booths}, {b["zone"] for b in booths}
    for i, preference in enumerate(preferences):
        if ("booth_id" in preference) == ("zone" in preference):
            raise InvalidInput("give either booth_id or zone", f"preferences[{i}]")
        if "booth_id" in preference and preference["booth_id"] not in ids:
            raise InvalidInput("no such booth at this event's venue", f"preferences[{i}].booth_id")
        if "zone" in preference and preference["zone"] not in zones:
            raise InvalidInput(f"no such zone; zones here: {', '.join(sorted(zones))}", f"preferences[{i}].zone")


def _entries(actor: Actor) -> Any:
    query = WaitlistEntry.select().output(load_json=True)
    if actor.is_organizer:
        return query.where(WaitlistEntry.event.is_in(scope.events_of_area(actor)))
    return query.where(WaitlistEntry.organization == own_organization(actor))


async def get_entry(actor: Actor, entry_id: int) -> dict[str, Any]:
    row = await _entries(actor).where(WaitlistEntry.id == entry_id).first()
    if row is None:
        raise NotFound("no such waitlist entry", field="entry_id")
    return row


async def list_entries(actor: Actor, event_id: int | None = None) -> list[dict[str, Any]]:
    query = _entries(actor).order_by(WaitlistEntry.id)
    if event_id is not None:
        query = query.where(WaitlistEntry.event == event_id)
    return await query


_WAITING = Statement(WaitlistEntry, "SELECT id, organization, preferences FROM waitlist_entry "
                                    "WHERE event = {} AND status = 'waiting' ORDER BY id")
"""Written out: every cancelled or expired booth reservation runs it."""


async def offer_booth(event_id: int, booth_id: int, clock: Clock) -> int | None:
    """Offer a booth that just became free to the first waiting employer it fits. Call inside
    the transaction that freed it, with the booth locked. Returns the offer's reservation id."""
    waiting = await _WAITING.rows(event_id)
    if not waiting:  # the common case: one query and done
        return None
    for entry in waiting:
        if isinstance(entry["preferences"], str):
            entry["preferences"] = json.loads(entry["preferences"])
    booth = await Booth.select(Booth.zone).where(Booth.id == booth_id).first()
    event = await Event.select(Event.booths_per_organization, Event.status).where(Event.id == event_id).first()
    if booth is None or event is None or event["status"] != "published":
        return None
    for entry in waiting:
        if not _fits(entry["preferences"], booth_id, booth["zone"]):
            continue
        await lock_name(holds_of(event_id, entry["organization"]))
        held = await BoothReservation.count().where(BoothReservation.event == event_id,
                                                    BoothReservation.organization == entry["organization"],
                                                    BoothReservation.status.is_in(list(ACTIVE)))
        if held >= event["booths_per_organization"]:
            continue
        now = clock.now()
        expires = now + timedelta(hours=OFFER_HOURS)
        reservation = BoothReservation(booth=booth_id, event=event_id, organization=entry["organization"],
                                       status="held", hold_expires_at=expires, interviewers=2, source="offer",
                                       created_at=now)
        await reservation.save()
        await WaitlistEntry.update({WaitlistEntry.status: "offered", WaitlistEntry.reservation: reservation.id,
                                    WaitlistEntry.offered_at: now}).where(WaitlistEntry.id == entry["id"])
        await notify_reservation(int(reservation.id), "offered", clock)
        _schedule(EXPIRE_BOOTH_OFFER, int(reservation.id), "booth-offer", expires)
        return int(reservation.id)
    return None


def _fits(preferences: list[dict[str, Any]], booth_id: int, zone: str) -> bool:
    return not preferences or any(p.get("booth_id") == booth_id or p.get("zone") == zone for p in preferences)


async def offer_settled(reservation_id: int, outcome: str) -> None:
    """The offered hold was confirmed (``accepted``) or ran out (``expired``)."""
    await WaitlistEntry.update({WaitlistEntry.status: outcome}).where(
        WaitlistEntry.reservation == reservation_id, WaitlistEntry.status == "offered")


# --- places at capacity-limited events --------------------------------------------------------

async def place_status(event_id: int, capacity: int | None) -> str:
    """``registered`` while the event has room (or no capacity), else ``waitlisted``. Call
    inside the registering transaction with the event's ``capacity`` as read in it: none means
    no limit and nothing more is read; otherwise the event row is locked and its capacity read
    again under the lock, so places are counted once."""
    if capacity is None:
        return "registered"
    await lock_rows(Event, [event_id])
    capacity = (await Event.select(Event.capacity).where(Event.id == event_id).first() or {}).get("capacity")
    if capacity is None:
        return "registered"
    taken = await Registration.count().where(Registration.event == event_id,
                                             Registration.status.is_in(["registered", "checked_in", "offered"]))
    return "registered" if taken < capacity else "waitlisted"


async def offer_seat(event_id: int, clock: Clock) -> int | None:
    """Offer a freed place to the first waitlisted person; returns the registration id."""
    event = await Event.select(Event.capacity).where(Event.id == event_id).first()
    if event is None or await place_status(event_id, event["capacity"]) != "registered":
        return None
    first = await Registration.select(Registration.id, Registration.attendee.phone.as_alias("phone"),
                                      Registration.event.title.as_alias("title")).where(
        Registration.event == event_id, Registration.status == "waitlisted").order_by(Registration.id).first()
    if first is None:
        return None
    expires = clock.now() + timedelta(hours=OFFER_HOURS)
    await Registration.update({Registration.status: "offered", Registration.offer_expires_at: expires}).where(
        Registration.id == first["id"])
    await queue_message(f"seat-offer:{first['id']}", "sms", first["phone"], "",
                        f"【就业服务】{first['title']}有名额空出，请在{OFFER_HOURS}小时内确认报名。"
                        f"A place is free for you: confirm within {OFFER_HOURS} hours.", clock)
    _schedule(EXPIRE_SEAT_OFFER, int(first["id"]), "seat-offer", expires)
    return int(first["id"])


async def expire_seat_offers(clock: Clock = SYSTEM_CLOCK, registration_id: int | None = None) -> list[int]:
    """Lapse offers past their deadline (all, or one) and offer each place to the next."""
    query = Registration.select(Registration.id, Registration.event).where(
        Registration.status == "offered", Registration.offer_expires_at <= clock.now())
    if registration_id is not None:
        query = query.where(Registration.id == registration_id)
    lapsed = []
    for row in await query:
        async with write_transaction():
            await lock_rows(Event, [row["event"]])
            changed = await Registration.update({Registration.status: "expired"}).where(
                Registration.id == row["id"], Registration.status == "offered").returning(Registration.id)
            if changed:
                lapsed.append(int(row["id"]))
                await offer_seat(row["event"], clock)
    return lapsed
