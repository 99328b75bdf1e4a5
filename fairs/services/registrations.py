"""Attendees register for events: by themselves, or helped by service-station staff.

With a registration the person may say which employers they most want to meet (up to five
taking part in the event, best first) and which of the event's interview blocks they can come
to; both can be changed later, and interview matching reads them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from piccolo.columns.combination import Or

from fairs.core import states
from fairs.core.errors import Conflict, InvalidInput, NotFound
from fairs.db.statements import Statement
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


def _taking_registrations(event: dict[str, Any] | None) -> dict[str, Any]:
    """The event as read, if it exists and takes registrations."""
    if event is None:
        raise NotFound("no such event", field="event_id")
    if event["status"] != "published":
        raise Conflict("this event is not open for registration", field="event_id", code="event_not_open")
    return event


async def _open_event(event_id: int) -> int | None:
    """The event's capacity (``None``: no limit) if it takes registrations."""
    event = await Event.select(Event.status, Event.capacity).where(Event.id == event_id).first()
    return _taking_registrations(event)["capacity"]  # type: ignore[no-any-return]


_LIVE = "status NOT IN ('cancelled', 'expired')"
_REGISTERED_ALREADY = f"SELECT id FROM registration WHERE attendee = {{}} AND event = {{}} AND {_LIVE} LIMIT 1"


@dataclass(frozen=True)
class _Written:
    id: int
    status: str
    created_at: datetime
    ranked_organizations: list[int]
    available_blocks: list[int] | None


_INSERT = """
INSERT INTO registration (attendee, event, status, registered_by, station, channel, offer_expires_at,
                          ranked_organizations, available_blocks, checked_in_at, checked_in_by, check_in_client_id,
                          outcome_rank, retained, created_at)
VALUES ({}, {}, {}, {}, {}, {}, NULL, {}, {}, NULL, NULL, '', 0, 0, {})
RETURNING id"""
"""The new registration with the same values ``Registration(...).save()`` writes (the other
columns at their defaults), written out: every registration runs it. Arrays go in as lists
(Piccolo's SQLite adapter stores them as JSON text, as it does for its own inserts)."""

_INSERT_STATEMENT = Statement(Registration, _INSERT)
_REGISTERED_ALREADY_STATEMENT = Statement(Registration, _REGISTERED_ALREADY)
_NOT_READ = object()


async def _register(attendee_id: int, event_id: int, actor: Actor, channel: str, clock: Clock,
                    preferences: Preferences, capacity: int | None, station_id: int | None = None,
                    registered: Any = _NOT_READ) -> _Written:
    """Register (within the caller's transaction, after :func:`_open_event` gave ``capacity``).
    ``registered``: the attendee's live registration for the event (its id or ``None``) when
    the caller has read it already in this transaction."""
    ranked = await _ranked(event_id, preferences.ranked_organizations)
    blocks = await chosen_blocks(event_id, preferences.available_blocks)
    if registered is _NOT_READ:
        existing = await _REGISTERED_ALREADY_STATEMENT.rows(attendee_id, event_id)
        registered = existing[0]["id"] if existing else None
    if registered is not None:
        raise Conflict("already registered for this event", field="event_id",
                       code="registration_once_per_event", extra={"registration_id": registered})
    status = await waitlist.place_status(event_id, capacity)
    created_at = clock.now()
    inserted = await _INSERT_STATEMENT.rows(attendee_id, event_id, status, actor.account_id, station_id, channel,
                                            ranked, blocks, created_at)
    registration_id = int(inserted[0]["id"])
    await webhooks.emit("registration.created", registration_id, {
        "registration_id": registration_id, "event_id": event_id, "attendee_id": attendee_id, "status": status,
        "channel": channel, "station_id": station_id, "registered_at": created_at,
    }, fair_event_id=event_id, clock=clock)
    return _Written(registration_id, status, created_at.astimezone(UTC), ranked, blocks)


_OPEN_FOR = f"""
SELECT e.status, e.capacity, e.title, e.starts_at,
       (SELECT r.id FROM registration r WHERE r.attendee = {{}} AND r.event = e.id
        AND r.{_LIVE} LIMIT 1) AS registered
FROM event e WHERE e.id = {{}}"""
""":func:`_open_event` and the attendee's registration for it (:data:`_REGISTERED_ALREADY`) in
one read, with what the answer to a self-registration shows of the event."""


_OPEN_FOR_STATEMENT = Statement(Event, _OPEN_FOR)


async def register_myself(actor: Actor, event_id: int, clock: Clock = SYSTEM_CLOCK,
                          preferences: Preferences = Preferences()) -> dict[str, Any]:
    """The attendee registers; the answer is the registration as :func:`get_registration`
    shows it, put together from what was read and written (every value is known here)."""
    if actor.role != "attendee" or actor.attendee_id is None:
        raise NotFound("not found")
    async with write_transaction():
        found = await _OPEN_FOR_STATEMENT.rows(actor.attendee_id, event_id)
        event = _taking_registrations(found[0] if found else None)
        written = await _register(actor.attendee_id, event_id, actor, "self", clock, preferences, event["capacity"],
                                  registered=event["registered"])
    return {"id": written.id, "event": event_id, "attendee": actor.attendee_id, "status": written.status,
            "channel": "self", "station": None, "offer_expires_at": None, "created_at": written.created_at,
            "event_title": event["title"], "event_starts_at": event["starts_at"],
            "ranked_organizations": written.ranked_organizations, "available_blocks": written.available_blocks}


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
        written = await _register(attendee_id, event_id, actor, "staff", clock, preferences, capacity,
                                  actor.station_id)
    return await get_registration(actor, written.id)


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


_ATTENDEES_OWN_STATEMENT = Statement(Registration, _ATTENDEES_OWN)


async def get_registration(actor: Actor, registration_id: int) -> dict[str, Any]:
    if actor.role == "attendee" and actor.attendee_id is not None:
        rows = await _ATTENDEES_OWN_STATEMENT.rows(registration_id, actor.attendee_id)
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
