"""Attendees register for events: by themselves, or helped by service-station staff."""

from __future__ import annotations

from typing import Any

from fairs.core import states
from fairs.core.errors import Conflict, InvalidInput, NotFound
from fairs.db.tables import Attendee, Event, Registration
from fairs.db.transactions import write_transaction
from fairs.services.context import SYSTEM_CLOCK, Actor, Clock
from fairs.services.people import AttendeeDetails, insert_attendee, validate_attendee


async def _open_event(event_id: int) -> None:
    event = await Event.select(Event.status).where(Event.id == event_id).first()
    if event is None:
        raise NotFound("no such event", field="event_id")
    if event["status"] != "published":
        raise Conflict("this event is not open for registration", field="event_id", code="event_not_open")


async def _register(attendee_id: int, event_id: int, actor: Actor, channel: str, clock: Clock) -> int:
    existing = await Registration.select(Registration.id).where(
        Registration.attendee == attendee_id, Registration.event == event_id, Registration.status != "cancelled"
    ).first()
    if existing is not None:
        raise Conflict("already registered for this event", field="event_id",
                       code="registration_once_per_event", extra={"registration_id": existing["id"]})
    row = Registration(attendee=attendee_id, event=event_id, status="registered",
                       registered_by=actor.account_id, channel=channel, created_at=clock.now())
    await row.save()
    return int(row.id)


async def register_myself(actor: Actor, event_id: int, clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    if actor.role != "attendee" or actor.attendee_id is None:
        raise NotFound("not found")
    async with write_transaction():
        await _open_event(event_id)
        registration_id = await _register(actor.attendee_id, event_id, actor, "self", clock)
    return await get_registration(actor, registration_id)


async def register_on_behalf(actor: Actor, event_id: int, details: AttendeeDetails,
                             clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    """Staff (or organizers) register a person; an existing attendee is found by phone.

    The person's consent is required and recorded with the staff account that took it.
    """
    if actor.role not in ("staff", "organizer"):
        raise NotFound("not found")
    phone = validate_attendee(details, "attendee.")
    async with write_transaction():
        await _open_event(event_id)
        found = await Attendee.select(Attendee.id).where(Attendee.phone == phone).first()
        if found is not None:
            attendee_id = int(found["id"])
        else:
            attendee_id = await insert_attendee(details, clock, prefix="attendee.")
        registration_id = await _register(attendee_id, event_id, actor, "staff", clock)
    return await get_registration(actor, registration_id)


def _visible(actor: Actor, query: Any) -> Any:
    if actor.role == "attendee":
        return query.where(Registration.attendee == actor.attendee_id)
    if actor.role == "staff":
        return query.where(Registration.registered_by == actor.account_id)
    if actor.role == "organizer":
        return query
    return query.where(Registration.id == -1)


_COLUMNS = (
    Registration.id, Registration.event, Registration.attendee, Registration.status,
    Registration.channel, Registration.created_at, Registration.event.title.as_alias("event_title"),
    Registration.event.starts_at.as_alias("event_starts_at"),
)


async def get_registration(actor: Actor, registration_id: int) -> dict[str, Any]:
    row = await _visible(actor, Registration.select(*_COLUMNS).where(Registration.id == registration_id)).first()
    if row is None:
        raise NotFound("no such registration", field="registration_id")
    return row


async def list_registrations(actor: Actor, event_id: int | None = None) -> list[dict[str, Any]]:
    query = _visible(actor, Registration.select(*_COLUMNS)).order_by(Registration.id)
    if event_id is not None:
        query = query.where(Registration.event == event_id)
    return await query


async def cancel_registration(actor: Actor, registration_id: int) -> dict[str, Any]:
    async with write_transaction():
        row = await get_registration(actor, registration_id)
        if actor.role not in ("attendee", "staff", "organizer"):
            raise NotFound("no such registration", field="registration_id")
        states.move("registration", row["status"], "cancelled")
        await Registration.update({Registration.status: "cancelled"}).where(Registration.id == registration_id)
    return await get_registration(actor, registration_id)


def require_known_event(event_id: int | None) -> None:
    if event_id is not None and event_id < 1:
        raise InvalidInput("must be a positive id", "event_id")
