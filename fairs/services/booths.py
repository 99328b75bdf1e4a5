"""Employers hold and confirm booths. A booth is never held or reserved twice for an event.

The decision is taken under a lock (row lock on the booth in PostgreSQL, the IMMEDIATE
transaction in SQLite); the partial unique index ``booth_reserved_once_per_event`` is the
last line of defence.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fairs.core import states
from fairs.core.errors import Conflict, InvalidInput, NotFound
from fairs.db.tables import Booth, BoothReservation, Event
from fairs.db.transactions import lock_rows, write_transaction
from fairs.services import scope
from fairs.services.context import SYSTEM_CLOCK, Actor, Clock
from fairs.services.employers import own_organization

_COLUMNS = (
    BoothReservation.id, BoothReservation.booth, BoothReservation.booth.code.as_alias("booth_code"),
    BoothReservation.event, BoothReservation.organization, BoothReservation.status,
    BoothReservation.hold_expires_at, BoothReservation.interviewers, BoothReservation.created_at,
    BoothReservation.confirmed_at, BoothReservation.cancelled_at,
)


async def hold_booth(actor: Actor, event_id: int, booth_id: int, interviewers: int, hold_minutes: int,
                     clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    organization_id = own_organization(actor)
    if not 1 <= interviewers <= 20:
        raise InvalidInput("must be between 1 and 20", "interviewers")
    async with write_transaction():
        event = await Event.select(Event.venue, Event.status).where(Event.id == event_id).first()
        if event is None or event["status"] != "published":
            raise NotFound("no such event open for booth reservations", field="event_id")
        booth = await Booth.select(Booth.id).where(Booth.id == booth_id, Booth.venue == event["venue"]).first()
        if booth is None:
            raise InvalidInput("no such booth at this event's venue", "booth_id")
        await lock_rows(Booth, [booth_id])
        now = clock.now()
        active = await BoothReservation.select(
            BoothReservation.id, BoothReservation.status, BoothReservation.hold_expires_at
        ).where(
            BoothReservation.booth == booth_id, BoothReservation.event == event_id,
            BoothReservation.status.is_in(list(states.ACTIVE_RESERVATION)),
        ).first()
        if active is not None:
            if active["status"] == "held" and active["hold_expires_at"] <= now:
                await BoothReservation.update(
                    {BoothReservation.status: "cancelled", BoothReservation.cancelled_at: now}
                ).where(BoothReservation.id == active["id"])
            else:
                raise Conflict("this booth is already held or reserved for the event", field="booth_id",
                               code="booth_taken", extra={"alternatives": await free_booths(event_id, now)})
        row = BoothReservation(
            booth=booth_id, event=event_id, organization=organization_id, status="held",
            hold_expires_at=now + timedelta(minutes=hold_minutes), interviewers=interviewers,
            created_at=now,
        )
        await row.save()
    return await get_reservation(actor, int(row.id))


async def _change(actor: Actor, reservation_id: int, wanted: str, clock: Clock) -> dict[str, Any]:
    organization_id = own_organization(actor)
    async with write_transaction():
        row = await BoothReservation.select(
            BoothReservation.status, BoothReservation.hold_expires_at, BoothReservation.booth
        ).where(BoothReservation.id == reservation_id, BoothReservation.organization == organization_id).first()
        if row is None:
            raise NotFound("no such reservation", field="reservation_id")
        await lock_rows(Booth, [row["booth"]])
        now = clock.now()
        if wanted == "confirmed" and row["status"] == "held" and row["hold_expires_at"] <= now:
            raise Conflict("the hold has expired; hold the booth again", field="reservation_id",
                           code="hold_expired")
        states.move("booth_reservation", row["status"], wanted)
        changes: dict[Any, Any] = {BoothReservation.status: wanted}
        if wanted == "confirmed":
            changes[BoothReservation.confirmed_at] = now
            changes[BoothReservation.hold_expires_at] = None
        else:
            changes[BoothReservation.cancelled_at] = now
        await BoothReservation.update(changes).where(BoothReservation.id == reservation_id)
    return await get_reservation(actor, reservation_id)


async def confirm_reservation(actor: Actor, reservation_id: int, clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    return await _change(actor, reservation_id, "confirmed", clock)


async def cancel_reservation(actor: Actor, reservation_id: int, clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    return await _change(actor, reservation_id, "cancelled", clock)


async def get_reservation(actor: Actor, reservation_id: int) -> dict[str, Any]:
    query = BoothReservation.select(*_COLUMNS).where(BoothReservation.id == reservation_id)
    if actor.is_organizer:
        query = query.where(BoothReservation.event.is_in(scope.events_of_area(actor)))
    else:
        query = query.where(BoothReservation.organization == own_organization(actor))
    row = await query.first()
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
    """Every booth of the event's venue with its state: free, held or reserved (public)."""
    event = await Event.select(Event.venue).where(
        Event.id == event_id, Event.status.is_in(["published", "closed"])
    ).first()
    if event is None:
        raise NotFound("no such event", field="event_id")
    booths = await Booth.select(Booth.id, Booth.code, Booth.zone, Booth.features).where(
        Booth.venue == event["venue"]
    ).order_by(Booth.code)
    active = await BoothReservation.select(
        BoothReservation.booth, BoothReservation.status, BoothReservation.hold_expires_at
    ).where(BoothReservation.event == event_id, BoothReservation.status.is_in(list(states.ACTIVE_RESERVATION)))
    now = clock.now()
    taken = {
        r["booth"]: ("reserved" if r["status"] == "confirmed" else "held")
        for r in active
        if r["status"] == "confirmed" or r["hold_expires_at"] > now
    }
    return [{**b, "state": taken.get(b["id"], "free")} for b in booths]


async def free_booths(event_id: int, now: Any, limit: int = 5) -> list[dict[str, Any]]:
    states_now = await booth_states(event_id, _Fixed(now))
    return [{"id": b["id"], "code": b["code"], "zone": b["zone"]} for b in states_now if b["state"] == "free"][:limit]


class _Fixed:
    def __init__(self, now: Any) -> None:
        self._now = now

    def now(self) -> Any:
        return self._now
