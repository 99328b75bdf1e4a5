"""Attendees register for events: by themselves, or helped by service-station staff.

With a registration the person may say which employers they most want to meet (up to five
taking part in the event, best first) and which of the event's interview blocks they can come
to; both can be changed later, and interview matching reads them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from piccolo.columns.combination import Or

from fairs.core import states
from fairs.core.errors import Conflict, InvalidInput, NotFound
from fairs.db.tables import Attendee, Event, Participation, Registration
from fairs.db.transactions import write_transaction
from fairs.services import scope, waitlist, webhooks
from fairs.services.context import SYSTEM_CLOCK, Actor, Clock
from fairs.services.participation import chosen_blocks
from fairs.services.people import KEEP, AttendeeDetails, Keep, insert_attendee, validate_attendee

MAX_RANKED = 5
ACTIVE = ("registered", "waitlisted", "offered", "checked_in")


@dataclass(frozen=True)
class Preferences:
    """What the person tells the matching: employers to meet, best first (organization ids),
    and the event's interview blocks they can come to (``None``: all)."""

    ranked_organizations: tuple[int, ...] = ()
    available_blocks: tuple[int, ...] | None = None


async def _ranked(event_id: int, ranked: Sequence[int], field: str = "ranked_organizations") -> list[int]:
    """At most MAX_RANKED distinct organizations approved to take part in the event."""
    if len(ranked) > MAX_RANKED:
        raise InvalidInput(f"at most {MAX_RANKED} employers", field)
    for i, organization_id in enumerate(ranked):
        if organization_id in ranked[:i]:
            raise InvalidInput("appears twice", f"{field}[{i}]")
    if not ranked:
        return []
    taking_part = {row["organization"] for row in await Participation.select(Participation.organization).where(
        Participation.event == event_id, Participation.status == "approved",
        Participation.organization.is_in(list(ranked)))}
    for i, organization_id in enumerate(ranked):
        if organization_id not in taking_part:
            raise InvalidInput("this employer does not take part in the event", f"{field}[{i}]")
    return list(ranked)


async def _open_event(event_id: int) -> int | None:
    """The event's capacity (``None``: no limit) if it takes registrations."""
    event = await Event.select(Event.status, Event.capacity).where(Event.id == event_id).first()
    if event is None:
        raise NotFound("no such event", field="event_id")
    if event["status"] != "published":
        raise Conflict("this event is not open for registration", field="event_id", code="event_not_open")
    return event["capacity"]  # type: ignore[no-any-return]


_REGISTERED_ALREADY = ("SELECT id FROM registration WHERE attendee = {} AND event = {} "
                       "AND status NOT IN ('cancelled', 'expired') LIMIT 1")


async def _register(attendee_id: int, event_id: int, actor: Actor, channel: str, clock: Clock,
                    preferences: Preferences, capacity: int | None, station_id: int | None = None) -> int:
    """Register (within the caller's transaction, after :func:`_open_event` gave ``capacity``)."""
    ranked = await _ranked(event_id, preferences.ranked_organizations)
    blocks = await chosen_blocks(event_id, preferences.available_blocks)
    existing = await Registration.raw(_REGISTERED_ALREADY, attendee_id, event_id)
    if existing:
        raise Conflict("already registered for this event", field="event_id",
                       code="registration_once_per_event", extra={"registration_id": existing[0]["id"]})
    status = await waitlist.place_status(event_id, capacity)
    row = Registration(attendee=attendee_id, event=event_id, status=status, registered_by=actor.account_id,
                       station=station_id, channel=channel, ranked_organizations=ranked, available_blocks=blocks,
                       created_at=clock.now())
    await row.save()
    await webhooks.emit("registration.created", row.id, {
        "registration_id": int(row.id), "event_id": event_id, "attendee_id": attendee_id, "status": status,
        "channel": channel, "station_id": station_id, "registered_at": row.created_at,
    }, fair_event_id=event_id, clock=clock)
    return int(row.id)


async def register_myself(actor: Actor, event_id: int, clock: Clock = SYSTEM_CLOCK,
                          preferences: Preferences = Preferences()) -> dict[str, Any]:
    if actor.role != "attendee" or actor.attendee_id is None:
        raise NotFound("not found")
    async with write_transaction():
        capacity = await _open_event(event_id)
        registration_id = await _register(actor.attendee_id, event_id, actor, "self", clock, preferences, capacity)
    return await get_registration(actor, registration_id)


async def register_on_behalf(actor: Actor, event_id: int, details: AttendeeDetails,
                             clock: Clock = SYSTEM_CLOCK, preferences: Preferences = Preferences()) -> dict[str, Any]:
    """Staff (or organizers) register a person; an existing attendee is found by phone (and
    kept as they are: the details given only create a new person).

    The person's consent is required and recorded with the staff account that took it.
    """
    if actor.role not in ("staff", "organizer"):
        raise NotFound("not found")
    phone = validate_attendee(details, "attendee.", clock)
    async with write_transaction():
        capacity = await _open_event(event_id)
        found = await Attendee.select(Attendee.id).where(Attendee.phone == phone).first()
        if found is not None:
            attendee_id = int(found["id"])
        else:
            attendee_id = await insert_attendee(details, clock, prefix="attendee.")
        registration_id = await _register(attendee_id, event_id, actor, "staff", clock, preferences, capacity,
                                          actor.station_id)
    return await get_registration(actor, registration_id)


def _visible(actor: Actor, query: Any, *, for_change: bool = False) -> Any:
    """Attendees: their own. Organizers and staff: registrations for events in their area
    and of people who live in it (staff also those they made); organizers with department
    tags also read those of their group's people across the city."""
    if actor.role == "attendee":
        return query.where(Registration.attendee == actor.attendee_id)
    if actor.role not in scope.SCOPED_ROLES:
        return query.where(Registration.id == -1)
    condition = Or(Registration.event.is_in(scope.events_of_area(actor)),
                   Registration.attendee.is_in(scope.people_readable(actor, for_change=for_change)))
    if actor.role == "staff":
        condition = Or(condition, Registration.registered_by == actor.account_id)
    return query.where(condition)


_COLUMNS = (
    Registration.id, Registration.event, Registration.attendee, Registration.status,
    Registration.channel, Registration.station, Registration.offer_expires_at, Registration.created_at,
    Registration.event.title.as_alias("event_title"), Registration.event.starts_at.as_alias("event_starts_at"),
    Registration.ranked_organizations, Registration.available_blocks,
)


_ATTENDEES_OWN = """
SELECT r.id, r.event, r.attendee, r.status, r.channel, r.station, r.offer_expires_at, r.created_at,
       e.title AS event_title, e.starts_at AS event_starts_at, r.ranked_organizations, r.available_blocks
FROM registration r LEFT JOIN event e ON e.id = r.event
WHERE r.id = {} AND r.attendee = {}"""
""":data:`_COLUMNS` written out for an attendee reading their own registration (the answer to
every self-registration): building the select with Piccolo costs more than running it."""


async def get_registration(actor: Actor, registration_id: int) -> dict[str, Any]:
    if actor.role == "attendee" and actor.attendee_id is not None:
        rows = await Registration.raw(_ATTENDEES_OWN, registration_id, actor.attendee_id)
        row = rows[0] if rows else None
    else:
        row = await _visible(actor, Registration.select(*_COLUMNS).where(Registration.id == registration_id)).first()
    if row is None:
        raise NotFound("no such registration", field="registration_id")
    return row


async def list_registrations(actor: Actor, event_id: int | None = None, after: int = 0,
                             limit: int = 100) -> list[dict[str, Any]]:
    """One page (by id, after ``after``) of the registrations the actor may see: one query."""
    query = _visible(actor, Registration.select(*_COLUMNS)).where(Registration.id > after).order_by(
        Registration.id).limit(limit)
    if event_id is not None:
        query = query.where(Registration.event == event_id)
    return await query


async def cancel_registration(actor: Actor, registration_id: int, clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    async with write_transaction():
        row = await _visible(actor, Registration.select(Registration.status, Registration.event, Registration.attendee),
                             for_change=True).where(Registration.id == registration_id).first()
        if row is None:
            raise NotFound("no such registration", field="registration_id")
        states.move("registration", row["status"], "cancelled")
        await Registration.update({Registration.status: "cancelled"}).where(Registration.id == registration_id)
        await webhooks.emit("registration.cancelled", registration_id, {
            "registration_id": registration_id, "event_id": row["event"], "attendee_id": row["attendee"],
            "previous_status": row["status"], "cancelled_at": clock.now(),
        }, fair_event_id=row["event"], clock=clock)
        if row["status"] in ("registered", "offered"):
            await waitlist.offer_seat(row["event"], clock)
    return await get_registration(actor, registration_id)


async def accept_offer(actor: Actor, registration_id: int, clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    """The person (or staff for them) takes the place offered before the deadline."""
    async with write_transaction():
        row = await _visible(actor, Registration.select(Registration.status, Registration.offer_expires_at),
                             for_change=True).where(Registration.id == registration_id).first()
        if row is None:
            raise NotFound("no such registration", field="registration_id")
        if row["status"] == "offered" and row["offer_expires_at"] <= clock.now():
            raise Conflict("the offer has expired", field="registration_id", code="offer_expired")
        states.move("registration", row["status"], "registered")
        await Registration.update({Registration.status: "registered", Registration.offer_expires_at: None}).where(
            Registration.id == registration_id)
    return await get_registration(actor, registration_id)


async def change_preferences(actor: Actor, registration_id: int,
                             ranked_organizations: Sequence[int] | Keep = KEEP,
                             available_blocks: Sequence[int] | None | Keep = KEEP) -> dict[str, Any]:
    """The person (or staff and organizers who may change their registrations) replaces the
    ranking and/or the blocks (``KEEP``: unchanged), while the registration is active and the
    event open."""
    async with write_transaction():
        row = await _visible(actor, Registration.select(Registration.status, Registration.event,
                                                        Registration.event.status.as_alias("event_status")),
                             for_change=True).where(Registration.id == registration_id).first()
        if row is None:
            raise NotFound("no such registration", field="registration_id")
        if row["status"] not in ACTIVE:
            raise Conflict(f"the registration is {row['status']}", field="registration_id",
                           code="registration_not_active")
        if row["event_status"] != "published":
            raise Conflict("the event is no longer open", field="event_id", code="event_not_open")
        changes: dict[Any, Any] = {}
        if not isinstance(ranked_organizations, Keep):
            changes[Registration.ranked_organizations] = await _ranked(row["event"], ranked_organizations)
        if not isinstance(available_blocks, Keep):
            changes[Registration.available_blocks] = await chosen_blocks(row["event"], available_blocks)
        if changes:
            await Registration.update(changes).where(Registration.id == registration_id)
    return await get_registration(actor, registration_id)
