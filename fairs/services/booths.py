"""Employers hold and confirm booths. A booth is never held or reserved twice for an event.

The decision is taken under a lock (row lock on the booth in PostgreSQL, the IMMEDIATE
transaction in SQLite); the partial unique index ``booth_reserved_once_per_event`` is the
last line of defence.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from fairs.core import states
from fairs.core.errors import Conflict, InvalidInput, NotFound
from fairs.db.engine import is_sqlite
from fairs.db.statements import Statement
from fairs.db.tables import Booth, BoothBlock, BoothReservation, Event
from fairs.db.transactions import engine, lock_name, lock_rows, write_transaction
from fairs.services import scope, waitlist
from fairs.services.booth_notices import notify_reservation
from fairs.services.context import SYSTEM_CLOCK, Actor, Clock
from fairs.services.employers import own_organization
from fairs.services.participation import event_for_employer, holds_of
from fairs.services.quick_holds import BUSY, booth_lock, booth_seen_by, free_booths, quick_hold

_COLUMNS = (
    BoothReservation.id, BoothReservation.booth, BoothReservation.booth.code.as_alias("booth_code"),
    BoothReservation.event, BoothReservation.organization, BoothReservation.status,
    BoothReservation.hold_expires_at, BoothReservation.interviewers, BoothReservation.source,
    BoothReservation.created_at, BoothReservation.confirmed_at, BoothReservation.cancelled_at,
)


async def hold_booth(actor: Actor, event_id: int, booth_id: int, interviewers: int, hold_minutes: int,
                     clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    """An approved employer holds a free booth of a direct-booking event for ``hold_minutes``.

    Refused: not approved (403); the event allocates by application window (409); the booth
    is blocked, held or reserved (409 with free alternatives in its zone); the organization
    already has the event's number of booths (409); on PostgreSQL, another employer's hold is
    deciding this booth at this very moment (409 ``booth_busy`` with ``Retry-After: 1`` and
    the free booths instead: waiting would almost always end in "taken").

    Holds come in rushes (a popular fair opening its booking), so the common answers are the
    cheap ones: "taken" from one plain read (:func:`~fairs.services.quick_holds.booth_seen_by`), "held" from
    :func:`~fairs.services.quick_holds.quick_hold` in three statements without the booth's row lock. Everything else (an
    expired hold to release first, a refusal to explain) goes the careful way,
    :func:`_careful_hold`, under the booth's row lock."""
    organization_id = own_organization(actor)
    if not 1 <= interviewers <= 20:
        raise InvalidInput("must be between 1 and 20", "interviewers")
    now = clock.now()
    expires = now + timedelta(minutes=hold_minutes)
    seen = await booth_seen_by(organization_id, event_id, booth_id, now)
    if seen is not None and not seen.taken:
        async with write_transaction():
            held = await quick_hold(organization_id, event_id, booth_id, interviewers, expires, now)
        if held is BUSY:
            raise Conflict("another employer is taking this booth at this moment; try again in a second, or "
                           "choose another", field="booth_id", code="booth_busy",
                           extra={"alternatives": await free_booths(event_id, now, seen.zone, booth_id),
                                  "retry_after_seconds": 1})
        if held is not None:
            return held
        seen = await booth_seen_by(organization_id, event_id, booth_id, now)
    if seen is None or not seen.taken:
        return await _careful_hold(actor, organization_id, event_id, booth_id, interviewers, expires, clock)
    raise Conflict("this booth is already held, reserved or blocked for the event", field="booth_id",
                   code="booth_taken", extra={"alternatives": seen.alternatives})


async def _careful_hold(actor: Actor, organization_id: int, event_id: int, booth_id: int, interviewers: int,
                        expires: datetime, clock: Clock) -> dict[str, Any]:
    """The hold checked step by step under the booth's row lock: says exactly why it is
    refused, and releases a hold whose time is up (offering the booth to the waitlist) first."""
    taken_zone: str | None = None
    async with write_transaction():
        event = await event_for_employer(organization_id, event_id, "direct")
        booth = await Booth.select(Booth.id, Booth.zone).where(
            Booth.id == booth_id, Booth.venue == event["venue"]).first()
        if booth is None:
            raise InvalidInput("no such booth at this event's venue", "booth_id")
        await lock_name(holds_of(event_id, organization_id))
        await lock_rows(Booth, [booth_id])
        now = clock.now()
        if await _taken(event_id, booth_id, now, clock):
            taken_zone = booth["zone"]  # answered below, once the lock is let go
        else:
            mine = await BoothReservation.count().where(
                BoothReservation.event == event_id, BoothReservation.organization == organization_id,
                BoothReservation.status.is_in(list(states.ACTIVE_RESERVATION)))
            if mine >= event["booths_per_organization"]:
                raise Conflict(f"your organization already has {mine} booth(s) at this event, the most allowed",
                               field="booth_id", code="booth_limit_reached")
            row = BoothReservation(
                booth=booth_id, event=event_id, organization=organization_id, status="held",
                hold_expires_at=expires, interviewers=interviewers, source="hold", created_at=now,
            )
            await row.save()
            await notify_reservation(int(row.id), "held", clock)
    if taken_zone is not None:
        raise Conflict("this booth is already held, reserved or blocked for the event", field="booth_id",
                       code="booth_taken",
                       extra={"alternatives": await free_booths(event_id, now, taken_zone, booth_id)})
    return await get_reservation(actor, int(row.id))


async def _taken(event_id: int, booth_id: int, now: datetime, clock: Clock) -> bool:
    """Whether the (locked) booth is held, reserved or blocked for the event. A hold whose time
    is up is released on the way (and the booth offered to the waitlist)."""
    active = await BoothReservation.select(BoothReservation.id, BoothReservation.status,
                                           BoothReservation.hold_expires_at).where(
        BoothReservation.booth == booth_id, BoothReservation.event == event_id,
        BoothReservation.status.is_in(list(states.ACTIVE_RESERVATION))).first()
    if active is not None and active["status"] == "held" and active["hold_expires_at"] <= now:
        await _cancel(int(active["id"]), "expired", clock)
        active = await BoothReservation.select(BoothReservation.id).where(
            BoothReservation.booth == booth_id, BoothReservation.event == event_id,
            BoothReservation.status.is_in(list(states.ACTIVE_RESERVATION))).first()
    if active is not None:
        return True
    return await BoothBlock.exists().where(BoothBlock.event == event_id, BoothBlock.booth == booth_id)


_CANCEL = Statement(BoothReservation, "UPDATE booth_reservation SET status = 'cancelled', cancelled_at = {} "
                                      "WHERE id = {} RETURNING event, booth, source")
"""Cancel, and read back what the rest of the cancellation needs, in one statement."""


async def _cancel(reservation_id: int, why: str, clock: Clock) -> None:
    """Cancel a reservation whose booth is locked, tell the employer, settle a waitlist offer
    it was, and offer the booth to the next employer waiting for it."""
    rows = await _CANCEL.rows(clock.now(), reservation_id)
    assert rows
    row = rows[0]
    await notify_reservation(reservation_id, why, clock)
    if row["source"] == "offer":
        await waitlist.offer_settled(reservation_id, "expired" if why == "expired" else "withdrawn")
    await waitlist.offer_booth(row["event"], row["booth"], clock)


async def release_expired_holds(clock: Clock = SYSTEM_CLOCK, reservation_id: int | None = None) -> list[int]:
    """Cancel every hold whose time is up (the cron job), or just one (an offer's expiry job);
    returns the reservation ids. Each booth is locked first, so a confirmation racing the expiry
    either wins or sees it expired; each freed booth is offered to the waitlist."""
    now = clock.now()
    query = BoothReservation.select(BoothReservation.id, BoothReservation.booth).where(
        BoothReservation.status == "held", BoothReservation.hold_expires_at <= now).order_by(BoothReservation.booth)
    if reservation_id is not None:
        query = query.where(BoothReservation.id == reservation_id)
    expired = await query
    released = []
    for row in expired:
        async with write_transaction():
            await lock_rows(Booth, [row["booth"]])
            still = await BoothReservation.select(BoothReservation.id).where(
                BoothReservation.id == row["id"], BoothReservation.status == "held",
                BoothReservation.hold_expires_at <= now).first()
            if still is not None:
                await _cancel(int(row["id"]), "expired", clock)
                released.append(int(row["id"]))
    return released


_FOR_CHANGE = Statement(BoothReservation, "SELECT status, hold_expires_at, booth FROM booth_reservation "
                                          "WHERE id = {} AND organization = {}")


_FOR_CHANGE_LOCKED = Statement(BoothReservation, """
SELECT r.status, r.hold_expires_at, r.booth FROM booth_reservation r JOIN booth b ON b.id = r.booth
WHERE r.id = {} AND r.organization = {} FOR UPDATE OF b""")
"""PostgreSQL: :data:`_FOR_CHANGE` and the booth's row lock in one round trip. The row it
returns is as it was when the statement began, before any wait for the lock:
:func:`_under_booth_lock` reads it again."""


async def _under_booth_lock(row: dict[str, Any] | None, read: Callable[[], Awaitable[dict[str, Any] | None]],
                            locked: bool = False, also: int | None = None) -> dict[str, Any]:
    """The reservation as it is once its booth is locked. ``row``: read before the lock
    (``locked``: by a statement that also took it). PostgreSQL reads again after the lock,
    in a statement of its own, so it sees what the transaction it waited for did (a
    cancellation, a confirmation, a move to another booth, whose booth it then locks too):
    deciding on the first read could confirm a reservation an organizer had just cancelled.
    SQLite's IMMEDIATE transaction already excludes every other writer. ``also``: another
    booth to lock with the first one, in id order (a move's new booth)."""
    if row is None:
        raise NotFound("no such reservation", field="reservation_id")
    if is_sqlite(engine()):
        return row
    booths: set[int] = set()
    while True:
        if row["booth"] not in booths:
            if not locked:
                await lock_rows(Booth, [row["booth"]] if also is None or booths else [row["booth"], also])
            booths.add(row["booth"])
            locked = False
        again = await read()
        if again is None:
            raise NotFound("no such reservation", field="reservation_id")
        if again["booth"] in booths:
            return again
        row = again


async def _change(actor: Actor, reservation_id: int, wanted: str, clock: Clock) -> dict[str, Any]:
    organization_id = own_organization(actor)

    async def read() -> dict[str, Any] | None:
        found = await _FOR_CHANGE.rows(reservation_id, organization_id)
        return found[0] if found else None

    async with write_transaction():
        if is_sqlite(engine()):
            row = await _under_booth_lock(await read(), read)
        else:
            found = await _FOR_CHANGE_LOCKED.rows(reservation_id, organization_id)
            row = await _under_booth_lock(found[0] if found else None, read, locked=True)
        now = clock.now()
        if wanted == "confirmed" and row["status"] == "held" and row["hold_expires_at"] <= now:
            raise Conflict("the hold has expired; hold the booth again", field="reservation_id",
                           code="hold_expired")
        states.move("booth_reservation", row["status"], wanted)
        if wanted == "cancelled":
            await _cancel(reservation_id, "cancelled", clock)
        else:
            await BoothReservation.update({BoothReservation.status: "confirmed", BoothReservation.confirmed_at: now,
                                           BoothReservation.hold_expires_at: None}).where(
                BoothReservation.id == reservation_id)
            await notify_reservation(reservation_id, "confirmed", clock)
            await waitlist.offer_settled(reservation_id, "accepted")
    return await get_reservation(actor, reservation_id)


async def confirm_reservation(actor: Actor, reservation_id: int, clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    return await _change(actor, reservation_id, "confirmed", clock)


async def cancel_reservation(actor: Actor, reservation_id: int, clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    return await _change(actor, reservation_id, "cancelled", clock)


_EMPLOYERS_OWN = """
SELECT r.id, r.booth, b.code AS booth_code, r.event, r.organization, r.status, r.hold_expires_at, r.interviewers,
       r.source, r.created_at, r.confirmed_at, r.cancelled_at
FROM booth_reservation r LEFT JOIN booth b ON b.id = r.booth
WHERE r.id = {} AND r.organization = {}"""
""":data:`_COLUMNS` written out for the answer to an employer's every hold, confirmation and
cancellation."""


_EMPLOYERS_OWN_STATEMENT = Statement(BoothReservation, _EMPLOYERS_OWN)


async def get_reservation(actor: Actor, reservation_id: int) -> dict[str, Any]:
    if actor.is_organizer:
        row = await BoothReservation.select(*_COLUMNS).where(
            BoothReservation.id == reservation_id,
            BoothReservation.event.is_in(scope.events_of_area(actor))).first()
    else:
        rows = await _EMPLOYERS_OWN_STATEMENT.rows(reservation_id, own_organization(actor))
        row = rows[0] if rows else None
    if row is None:
        raise NotFound("no such reservation", field="reservation_id")
    return row


async def list_reservations(actor: Actor, event_id: int | None = None) -> list[dict[str, Any]]:
    query = BoothReservation.select(*_COLUMNS).order_by(BoothReservation.id)
    if actor.is_organizer:
        query = query.where(BoothReservation.event.is_in(scope.events_of_area(actor)))
    else:
        query = query.where(BoothReservation.organization == own_organization(actor))
    if event_id is not None:
        query = query.where(BoothReservation.event == event_id)
    return await query


async def booth_states(event_id: int, clock: Clock = SYSTEM_CLOCK) -> list[dict[str, Any]]:
    """Every booth of the event's venue with its state: free, held, reserved or blocked
    (public: who holds a booth is not shown). An expired hold counts as free."""
    event = await Event.select(Event.venue).where(
        Event.id == event_id, Event.status.is_in(["published", "closed"])
    ).first()
    if event is None:
        raise NotFound("no such event", field="event_id")
    booths = await Booth.select(
        Booth.id, Booth.code, Booth.zone, Booth.features, Booth.floor_plan, Booth.x_m, Booth.y_m, Booth.width_m,
        Booth.depth_m, Booth.price_yuan, Booth.fee_waived).where(Booth.venue == event["venue"]).order_by(Booth.code)
    active = await BoothReservation.select(
        BoothReservation.booth, BoothReservation.status, BoothReservation.hold_expires_at
    ).where(BoothReservation.event == event_id, BoothReservation.status.is_in(list(states.ACTIVE_RESERVATION)))
    now = clock.now()
    blocks = await BoothBlock.select(BoothBlock.booth).where(BoothBlock.event == event_id)
    taken = {b["booth"]: "blocked" for b in blocks}
    taken.update({
        r["booth"]: ("reserved" if r["status"] == "confirmed" else "held")
        for r in active
        if r["status"] == "confirmed" or r["hold_expires_at"] > now
    })
    return [{**b, "state": taken.get(b["id"], "free")} for b in booths]


async def _organizer_reservation(actor: Actor, reservation_id: int, also: int | None = None) -> dict[str, Any]:
    """The reservation of the organizer's area, read under its booth's lock (and ``also``'s)."""

    async def read() -> dict[str, Any] | None:
        row: dict[str, Any] | None = await BoothReservation.select(
            BoothReservation.status, BoothReservation.booth, BoothReservation.event,
            BoothReservation.event.venue.as_alias("venue")).where(
            BoothReservation.id == reservation_id, BoothReservation.event.is_in(scope.events_of_area(actor))).first()
        return row

    return await _under_booth_lock(await read(), read, also=also)


async def organizer_cancel(actor: Actor, reservation_id: int, clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    """An organizer of the event's area releases a booth (the employer is told)."""
    async with write_transaction():
        row = await _organizer_reservation(actor, reservation_id)
        states.move("booth_reservation", row["status"], "cancelled")
        await _cancel(reservation_id, "cancelled", clock)
    return await get_reservation(actor, reservation_id)


async def move_reservation(actor: Actor, reservation_id: int, booth_id: int, clock: Clock = SYSTEM_CLOCK
                           ) -> dict[str, Any]:
    """An organizer moves a held or confirmed reservation to another free booth of the venue
    (both booths locked in id order; the employer is told)."""
    async with write_transaction():
        row = await _organizer_reservation(actor, reservation_id, also=booth_id)
        if row["status"] not in states.ACTIVE_RESERVATION:
            raise Conflict("only a held or confirmed reservation can move", field="reservation_id",
                           code="invalid_transition")
        if not await Booth.exists().where(Booth.id == booth_id, Booth.venue == row["venue"]):
            raise InvalidInput("no such booth at this event's venue", "booth_id")
        if booth_id == row["booth"]:
            raise InvalidInput("the reservation is already at this booth", "booth_id")
        if await _taken(row["event"], booth_id, clock.now(), clock):
            raise Conflict("that booth is already held, reserved or blocked", field="booth_id", code="booth_taken")
        await BoothReservation.update({BoothReservation.booth: booth_id}).where(BoothReservation.id == reservation_id)
        await notify_reservation(reservation_id, "moved", clock)
        await waitlist.offer_booth(row["event"], row["booth"], clock)
    return await get_reservation(actor, reservation_id)


async def block_booth(actor: Actor, event_id: int, booth_id: int, reason: str, clock: Clock = SYSTEM_CLOCK) -> None:
    """Keep a free booth out of the event. A held or reserved booth must be released first."""
    async with write_transaction():
        event = await Event.select(Event.venue).where(Event.id == event_id, scope.writable(actor, Event.area)).first()
        if event is None:
            raise NotFound("no such event", field="event_id")
        if not await Booth.exists().where(Booth.id == booth_id, Booth.venue == event["venue"]):
            raise InvalidInput("no such booth at this event's venue", "booth_id")
        await lock_name(booth_lock(booth_id))  # waits for new holds trying the booth
        await lock_rows(Booth, [booth_id])
        if await _taken(event_id, booth_id, clock.now(), clock):
            raise Conflict("the booth is held, reserved or already blocked; release it first", field="booth_id",
                           code="booth_taken")
        await BoothBlock(event=event_id, booth=booth_id, reason=reason, created_at=clock.now()).save()


async def unblock_booth(actor: Actor, event_id: int, booth_id: int) -> None:
    async with write_transaction():
        if not await Event.exists().where(Event.id == event_id, scope.writable(actor, Event.area)):
            raise NotFound("no such event", field="event_id")
        deleted = await BoothBlock.delete().where(BoothBlock.event == event_id, BoothBlock.booth == booth_id
                                                  ).returning(BoothBlock.id)
        if not deleted:
            raise NotFound("this booth is not blocked", field="booth_id")


async def occupancy(actor: Actor, event_id: int, clock: Clock = SYSTEM_CLOCK) -> list[dict[str, Any]]:
    """Per zone: how many booths are free, held, reserved and blocked."""
    if not await Event.exists().where(Event.id == event_id, scope.writable(actor, Event.area)):
        raise NotFound("no such event", field="event_id")
    zones: dict[str, dict[str, Any]] = {}
    for booth in await booth_states(event_id, clock):
        zone = zones.setdefault(booth["zone"], {"zone": booth["zone"], "free": 0, "held": 0, "reserved": 0,
                                                "blocked": 0, "total": 0})
        zone[booth["state"]] += 1
        zone["total"] += 1
    return [zones[z] for z in sorted(zones)]
