"""Employers apply to take part in an event; organizers of the event's area decide.

Only approved employers hold, apply for, or are given booths. The organizer sees vetting
flags (missing documents, postings that may discriminate) computed when the employer
applies, and decides with a reason; a priority tier set here orders the allocation run.

An approved employer says which of the event's interview blocks it interviews in; the same
check (:func:`chosen_blocks`) serves attendees choosing blocks with their registration.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fairs.core import states
from fairs.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from fairs.core.vetting import Posting, document_flags, posting_flags
from fairs.db.tables import Event, Organization, Participation, Position
from fairs.db.transactions import lock_rows, write_transaction
from fairs.services import scope
from fairs.services.context import SYSTEM_CLOCK, Actor, Clock
from fairs.services.employers import own_organization
from fairs.services.outbox import queue_message

_COLUMNS = (Participation.id, Participation.event, Participation.organization,
            Participation.organization.name.as_alias("organization_name"), Participation.status,
            Participation.priority, Participation.documents, Participation.flags, Participation.reason,
            Participation.created_at, Participation.decided_at, Participation.available_blocks)


async def apply(actor: Actor, event_id: int, documents: tuple[str, ...], clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    organization_id = own_organization(actor)
    async with write_transaction():
        event = await Event.select(Event.status).where(Event.id == event_id).first()
        if event is None or event["status"] != "published":
            raise NotFound("no such event open to employers", field="event_id")
        existing = await Participation.select(Participation.id, Participation.status).where(
            Participation.event == event_id, Participation.organization == organization_id).first()
        if existing is not None and existing["status"] != "withdrawn":
            raise Conflict("already applied to take part in this event", field="event_id",
                           code="participation_exists", extra={"participation_id": existing["id"]})
        postings = [Posting(p["id"], p["title"], p["description"]) for p in await Position.select(
            Position.id, Position.title, Position.description).where(
            Position.organization == organization_id, Position.active.eq(True))]
        flags = document_flags(documents) + posting_flags(postings)
        now = clock.now()
        if existing is not None:
            await Participation.update({Participation.status: "applied", Participation.documents: list(documents),
                                        Participation.flags: flags, Participation.reason: "",
                                        Participation.decided_at: None, Participation.created_at: now}).where(
                Participation.id == existing["id"])
            participation_id = existing["id"]
        else:
            row = Participation(event=event_id, organization=organization_id, status="applied",
                                documents=list(documents), flags=flags, created_at=now)
            await row.save()
            participation_id = row.id
    return await get_participation(actor, int(participation_id))


async def decide(actor: Actor, participation_id: int, decision: str, reason: str, priority: int | None,
                 clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    """Approve or reject (a rejection needs a reason the employer will read)."""
    if decision == "rejected" and not reason.strip():
        raise InvalidInput("say why, so the employer can put it right", "reason")
    if priority is not None and not 0 <= priority <= 9:
        raise InvalidInput("must be between 0 and 9", "priority")
    async with write_transaction():
        row = await _scoped(actor, Participation.select(Participation.status, Participation.event,
                                                        Participation.organization)).where(
            Participation.id == participation_id).first()
        if row is None:
            raise NotFound("no such participation", field="participation_id")
        states.move("participation", row["status"], decision)
        if decision == "approved":
            await _within_monthly_limit(row["event"], row["organization"])
        changes: dict[Any, Any] = {Participation.status: decision, Participation.reason: reason.strip(),
                                   Participation.decided_by: actor.account_id, Participation.decided_at: clock.now()}
        if priority is not None:
            changes[Participation.priority] = priority
        await Participation.update(changes).where(Participation.id == participation_id)
        contact = await Organization.select(Organization.contact_email).where(
            Organization.id == row["organization"]).first()
        if contact and contact["contact_email"]:
            verdict = "approved 已通过" if decision == "approved" else f"not approved 未通过: {reason.strip()}"
            key = f"participation:{participation_id}:{decision}:{changes[Participation.decided_at].isoformat()}"
            await queue_message(key, "email", contact["contact_email"], "招聘会参会审核结果 Job fair participation",
                                f"参会申请 Participation: {verdict}", clock)
    return await get_participation(actor, participation_id)


async def set_availability(actor: Actor, participation_id: int, available_blocks: Sequence[int] | None
                           ) -> dict[str, Any]:
    """The interview blocks of the event an approved employer interviews in (``None``: all).
    The employer sets its own; organizers of the event's area may set it for them."""
    async with write_transaction():
        row = await _scoped(actor, Participation.select(Participation.status, Participation.event)).where(
            Participation.id == participation_id).first()
        if row is None:
            raise NotFound("no such participation", field="participation_id")
        if row["status"] != "approved":
            raise Forbidden(f"the participation is {row['status']}: only approved employers interview",
                            field="participation_id", code="not_approved")
        blocks = await chosen_blocks(row["event"], available_blocks)
        await Participation.update({Participation.available_blocks: blocks}).where(
            Participation.id == participation_id)
    return await get_participation(actor, participation_id)


async def _within_monthly_limit(event_id: int, organization_id: int) -> None:
    """The event's limit on how many events one organization takes part in per calendar month."""
    event = await Event.select(Event.starts_at, Event.timezone, Event.events_per_organization_per_month).where(
        Event.id == event_id).first()
    assert event is not None
    limit = event["events_per_organization_per_month"]
    if limit is None:
        return
    await lock_rows(Organization, [organization_id])
    month_start, next_month = month_bounds(event["starts_at"].astimezone(ZoneInfo(event["timezone"])))
    taken = await Participation.count().where(
        Participation.organization == organization_id, Participation.status == "approved",
        Participation.event.starts_at >= month_start, Participation.event.starts_at < next_month)
    if taken >= limit:
        raise Conflict(f"this employer already takes part in {taken} events this month (limit {limit})",
                       field="participation_id", code="monthly_limit_reached")


def block_count(interview_blocks: Sequence[Sequence[int]]) -> int:
    """How many blocks an event's day has: no blocks given is one block, the whole day."""
    return max(1, len(interview_blocks))


async def chosen_blocks(event_id: int, chosen: Sequence[int] | None, field: str = "available_blocks"
                        ) -> list[int] | None:
    """Blocks of the event someone (an attendee, an employer) can come to, as stored: each
    index once, ascending; ``None`` means all. Call inside the write transaction: the event
    row is locked, so its blocks cannot shrink meanwhile."""
    if chosen is None:
        return None
    if not chosen:
        raise InvalidInput("name at least one block, or null for all of them", field)
    await lock_rows(Event, [event_id])
    event = await Event.select(Event.interview_blocks).where(Event.id == event_id).output(load_json=True).first()
    if event is None:
        raise NotFound("no such event", field="event_id")
    count = block_count(event["interview_blocks"])
    for i, index in enumerate(chosen):
        if not 0 <= index < count:
            known = f"0 to {count - 1}" if count > 1 else "0 (the event has one interview block)"
            raise InvalidInput(f"must be a block of the event: {known}", f"{field}[{i}]")
        if index in chosen[:i]:
            raise InvalidInput("appears twice", f"{field}[{i}]")
    return sorted(chosen)


def _scoped(actor: Actor, query: Any) -> Any:
    if actor.is_organizer:
        return query.where(Participation.event.is_in(scope.events_of_area(actor)))
    if actor.role == "employer":
        return query.where(Participation.organization == actor.organization_id)
    return query.where(Participation.id == -1)


async def get_participation(actor: Actor, participation_id: int) -> dict[str, Any]:
    row = await _scoped(actor, Participation.select(*_COLUMNS)).where(Participation.id == participation_id).first()
    if row is None:
        raise NotFound("no such participation", field="participation_id")
    return row


async def list_participations(actor: Actor, event_id: int | None = None, status: str | None = None
                              ) -> list[dict[str, Any]]:
    query = _scoped(actor, Participation.select(*_COLUMNS)).order_by(Participation.id)
    if event_id is not None:
        query = query.where(Participation.event == event_id)
    if status is not None:
        query = query.where(Participation.status == status)
    return await query


async def require_approved(organization_id: int, event_id: int) -> int:
    """The organization's priority tier if it is approved for the event; else 403."""
    row = await Participation.select(Participation.priority).where(
        Participation.event == event_id, Participation.organization == organization_id,
        Participation.status == "approved").first()
    if row is None:
        raise Forbidden("your organization is not approved to take part in this event; apply first",
                        field="event_id", code="not_approved")
    return int(row["priority"])


def holds_of(event_id: int, organization_id: int) -> str:
    """The lock name (:func:`~fairs.db.transactions.lock_name`) serialising one organization's
    new holds and offers at one event, so that two at once cannot both pass its limit."""
    return f"holds:{event_id}:{organization_id}"


async def event_for_employer(organization_id: int, event_id: int, booth_mode: str) -> dict[str, Any]:
    """The published event an approved employer acts on in ``booth_mode`` (direct holds and
    waitlists, or application windows): 404 if not open, 403 if not approved, 409 if the
    event allocates booths the other way. Returns venue, window and limits."""
    event = await Event.select(Event.status, Event.venue, Event.booth_mode, Event.applications_close_at,
                               Event.booths_per_organization).where(Event.id == event_id).first()
    if event is None or event["status"] != "published":
        raise NotFound("no such event open to employers", field="event_id")
    await require_approved(organization_id, event_id)
    if event["booth_mode"] != booth_mode:
        if booth_mode == "direct":
            raise Conflict("booths of this event are allocated from applications; apply with your preferences",
                           field="event_id", code="applications_only")
        raise Conflict("this event books booths directly; hold a free booth instead", field="event_id",
                       code="direct_booking_only")
    return event


def month_bounds(moment: datetime) -> tuple[datetime, datetime]:
    start = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
    return start, end
