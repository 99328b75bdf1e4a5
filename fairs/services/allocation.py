"""Events that allocate booths from applications: the window, the run, the explanation.

During the window approved employers give ranked booth or zone preferences. When it closes
(the cron job notices, or an organizer starts it) one run allocates every free booth with
``fairs.core.allocation.allocate``: priority tiers first, then a lottery whose seed is drawn
once and stored with the inputs, so anyone can reproduce the result exactly. Each employer
reads why it got what it got. All of a run's writes are one transaction; the job is
idempotent (a finished run is not run again).

Zoning: booths of the ``priority`` zone go only to employers of priority tier 1 or more.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from fairs.core import allocation as core
from fairs.core.errors import Conflict, NotFound
from fairs.db.tables import (
    AllocationRun,
    Booth,
    BoothApplication,
    BoothBlock,
    BoothReservation,
    Event,
    Organization,
    Outbox,
    Participation,
)
from fairs.db.transactions import after_commit, lock_rows, write_transaction
from fairs.services import scope
from fairs.services.booth_notices import CHUNK, queue_notices, reservation_notice
from fairs.services.context import SYSTEM_CLOCK, Actor, Clock, FixedClock
from fairs.services.employers import own_organization
from fairs.services.participation import event_for_employer
from fairs.services.queue import JobQueue
from fairs.services.waitlist import check_preferences

RUN_ALLOCATION = "run_allocation"
PRIORITY_ZONE = "priority"
_APPLICATION_COLUMNS = (BoothApplication.id, BoothApplication.event, BoothApplication.organization,
                        BoothApplication.preferences, BoothApplication.status, BoothApplication.explanation,
                        BoothApplication.created_at)


def job_id(run_id: int) -> str:
    return f"allocation-run-{run_id}"


async def submit(actor: Actor, event_id: int, preferences: list[dict[str, Any]], clock: Clock = SYSTEM_CLOCK
                 ) -> dict[str, Any]:
    """An approved employer gives (or replaces) its ranked preferences while the window is open."""
    organization_id = own_organization(actor)
    async with write_transaction():
        event = await event_for_employer(organization_id, event_id, "application")
        if clock.now() >= event["applications_close_at"]:
            raise Conflict("the application window has closed", field="event_id", code="window_closed")
        await check_preferences(event["venue"], preferences)
        existing = await BoothApplication.select(BoothApplication.id).where(
            BoothApplication.event == event_id, BoothApplication.organization == organization_id,
            BoothApplication.status != "withdrawn").first()
        if existing is None:
            row = BoothApplication(event=event_id, organization=organization_id, preferences=preferences,
                                   status="submitted", created_at=clock.now())
            await row.save()
            application_id = int(row.id)
        else:
            application_id = int(existing["id"])
            await BoothApplication.update({BoothApplication.preferences: preferences}).where(
                BoothApplication.id == application_id)
    return await get_application(actor, application_id)


def _scoped(actor: Actor, query: Any) -> Any:
    if actor.is_organizer:
        return query.where(BoothApplication.event.is_in(scope.events_of_area(actor)))
    return query.where(BoothApplication.organization == own_organization(actor))


async def get_application(actor: Actor, application_id: int) -> dict[str, Any]:
    row = await _scoped(actor, BoothApplication.select(*_APPLICATION_COLUMNS)).where(
        BoothApplication.id == application_id).output(load_json=True).first()
    if row is None:
        raise NotFound("no such booth application", field="application_id")
    return row


async def list_applications(actor: Actor, event_id: int | None = None) -> list[dict[str, Any]]:
    query = _scoped(actor, BoothApplication.select(*_APPLICATION_COLUMNS)).order_by(BoothApplication.id)
    if event_id is not None:
        query = query.where(BoothApplication.event == event_id)
    return await query.output(load_json=True)


async def start_run(actor: Actor | None, event_id: int, queue: JobQueue, clock: Clock = SYSTEM_CLOCK
                    ) -> dict[str, Any]:
    """Queue the allocation of an application-mode event whose window has closed. ``actor``
    None is the cron job. One run per event: a finished one is final (its booths are taken)."""
    async with write_transaction():
        query = Event.select(Event.booth_mode, Event.applications_close_at).where(Event.id == event_id)
        if actor is not None:
            query = query.where(scope.writable(actor, Event.area))
        event = await query.first()
        if event is None:
            raise NotFound("no such event", field="event_id")
        await lock_rows(Event, [event_id])
        if event["booth_mode"] != "application":
            raise Conflict("this event books booths directly", field="event_id", code="direct_booking_only")
        if clock.now() < event["applications_close_at"]:
            raise Conflict("the application window is still open", field="event_id", code="window_open")
        earlier = await AllocationRun.select(AllocationRun.id).where(
            AllocationRun.event == event_id, AllocationRun.status != "failed").first()
        if earlier is not None:
            raise Conflict("booths of this event were already allocated (or are being allocated)",
                           field="event_id", code="allocation_exists", extra={"allocation_run_id": earlier["id"]})
        run = AllocationRun(event=event_id, status="queued", seed=str(secrets.randbits(63)), inputs={}, result={},
                            requested_by=actor.account_id if actor else None, created_at=clock.now())
        await run.save()
        run_id = int(run.id)
        after_commit(lambda: queue.enqueue(RUN_ALLOCATION, run_id, job_id=job_id(run_id)))
    return await get_run(run_id)


async def get_run(run_id: int, actor: Actor | None = None) -> dict[str, Any]:
    query = AllocationRun.select().where(AllocationRun.id == run_id)
    if actor is not None:
        query = query.where(AllocationRun.event.is_in(scope.events_of_area(actor)))
    row = await query.output(load_json=True).first()
    if row is None:
        raise NotFound("no such allocation run", field="allocation_run_id")
    return row


async def close_windows(queue: JobQueue, now: datetime) -> list[int]:
    """The cron job: start the run of every application event whose window has closed."""
    due = await Event.select(Event.id).where(
        Event.booth_mode == "application", Event.status == "published", Event.applications_close_at <= now,
        Event.id.not_in(AllocationRun.select(AllocationRun.event)))  # type: ignore[arg-type]
    started = []
    for event in due:
        try:
            started.append(int((await start_run(None, event["id"], queue, FixedClock(now)))["id"]))
        except Conflict:
            continue  # another worker started it first
    return started


async def run(run_id: int, clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    """Carry out one run (the worker job's body); returns its summary."""
    async with write_transaction():
        await lock_rows(AllocationRun, [run_id])
        found = await AllocationRun.select(AllocationRun.status, AllocationRun.event, AllocationRun.seed,
                                           AllocationRun.result).where(AllocationRun.id == run_id).output(
            load_json=True).first()
        if found is None:
            raise NotFound("no such allocation run", field="allocation_run_id")
        if found["status"] in ("succeeded", "failed"):
            return dict(found["result"].get("summary", {}))
        event_id, seed = found["event"], int(found["seed"])
        booths, applications = await _inputs(event_id)
        result = core.allocate(booths, applications, seed)
        await _save(event_id, result, clock)
        summary = {"booths": len(booths), "applications": len(applications),
                   "assigned": len(result.assignments), "unassigned": len(result.unassigned)}
        await AllocationRun.update({
            AllocationRun.status: "succeeded", AllocationRun.finished_at: clock.now(),
            AllocationRun.inputs: serialize_inputs(booths, applications),
            AllocationRun.result: {"summary": summary, "order": list(result.order),
                                   "assignments": [a.__dict__ for a in result.assignments],
                                   "unassigned": [u.__dict__ for u in result.unassigned]},
        }).where(AllocationRun.id == run_id)
    return summary


async def _inputs(event_id: int) -> tuple[list[core.BoothOption], list[core.Application]]:
    event = await Event.select(Event.venue, Event.booths_per_organization).where(Event.id == event_id).first()
    assert event is not None
    await lock_rows(Event, [event_id])
    taken = {r["booth"] for r in await BoothReservation.select(BoothReservation.booth).where(
        BoothReservation.event == event_id, BoothReservation.status.is_in(["held", "confirmed"]))}
    taken |= {b["booth"] for b in await BoothBlock.select(BoothBlock.booth).where(BoothBlock.event == event_id)}
    booths = [core.BoothOption(b["id"], b["code"], b["zone"]) for b in await Booth.select(
        Booth.id, Booth.code, Booth.zone).where(Booth.venue == event["venue"]).order_by(Booth.id)
        if b["id"] not in taken]
    every_zone = {b.zone for b in booths}
    rows = await BoothApplication.select(
        BoothApplication.organization, BoothApplication.preferences).where(
        BoothApplication.event == event_id, BoothApplication.status == "submitted",
        BoothApplication.organization.is_in(Participation.select(Participation.organization).where(
            Participation.event == event_id, Participation.status == "approved"))).order_by(
        BoothApplication.id).output(load_json=True)
    tiers = {p["organization"]: p["priority"] for p in await Participation.select(
        Participation.organization, Participation.priority).where(Participation.event == event_id)}
    free_ids = {b.booth_id for b in booths}
    applications = []
    for order, row in enumerate(rows):
        tier = tiers[row["organization"]]
        wanted = tuple(core.Preference(booth_id=p.get("booth_id"), zone=p.get("zone")) for p in row["preferences"]
                       if p.get("booth_id") in free_ids or "zone" in p)
        allowed = None if tier >= 1 else frozenset(every_zone - {PRIORITY_ZONE})
        applications.append(core.Application(row["organization"], tier, wanted, allowed,
                                             max(1, event["booths_per_organization"]), order))
    return booths, applications


async def _save(event_id: int, result: core.AllocationResult, clock: Clock) -> None:
    """Write the run's reservations, notices and explanations in a few bulk statements (a
    city festival allocates thousands at once)."""
    now = clock.now()
    event = await Event.select(Event.title).where(Event.id == event_id).first()
    assert event is not None
    organizations = sorted({a.organization_id for a in result.assignments} |
                           {u.organization_id for u in result.unassigned})
    emails = {o["id"]: o["contact_email"] for o in await Organization.select(
        Organization.id, Organization.contact_email).where(Organization.id.is_in(organizations or [-1]))}
    notices = []
    if result.assignments:
        rows = [BoothReservation(booth=a.booth_id, event=event_id, organization=a.organization_id, status="confirmed",
                                 interviewers=2, source="allocation", created_at=now, confirmed_at=now)
                for a in result.assignments]
        reservation_of = {}
        for start in range(0, len(rows), CHUNK):
            created = await BoothReservation.insert(*rows[start:start + CHUNK]).returning(
                BoothReservation.id, BoothReservation.booth)
            reservation_of.update({r["booth"]: r["id"] for r in created})
        notices += [reservation_notice(reservation_of[a.booth_id], "allocated", emails[a.organization_id],
                                       a.booth_code, event["title"], now)
                    for a in result.assignments if emails.get(a.organization_id)]
    notices += [Outbox(idempotency_key=f"allocation:{event_id}:{u.organization_id}:unassigned", channel="email",
                       recipient=emails[u.organization_id], subject="展位分配结果 Booth allocation",
                       body=f"未分配到展位。No booth this time: {u.explanation}", created_at=now)
                for u in result.unassigned if emails.get(u.organization_id)]
    await queue_notices(notices)
    outcome: dict[int, tuple[str, list[str]]] = {}
    for assignment in result.assignments:
        outcome.setdefault(assignment.organization_id, ("allocated", []))[1].append(assignment.explanation)
    for missed in result.unassigned:
        outcome[missed.organization_id] = ("unassigned", [missed.explanation])
    explained = [(organization, status, "\n".join(lines)) for organization, (status, lines) in outcome.items()]
    for start in range(0, len(explained), CHUNK):
        chunk = explained[start:start + CHUNK]
        values = ", ".join("(CAST({} AS INTEGER), {}, {})" for _ in chunk)
        await BoothApplication.raw(
            f"WITH v(organization, status, explanation) AS (VALUES {values}) "
            "UPDATE booth_application SET status = v.status, explanation = v.explanation FROM v "
            "WHERE booth_application.event = {} AND booth_application.organization = v.organization "
            "AND booth_application.status = 'submitted'",
            *[value for row in chunk for value in row], event_id)


def serialize_inputs(booths: list[core.BoothOption], applications: list[core.Application]) -> dict[str, Any]:
    """The run's inputs as plain JSON, enough to call ``allocate`` again and get the same result."""
    return {
        "booths": [b.__dict__ for b in booths],
        "applications": [{
            "organization_id": a.organization_id, "priority": a.priority,
            "preferences": [p.__dict__ for p in a.preferences],
            "allowed_zones": None if a.allowed_zones is None else sorted(a.allowed_zones),
            "max_booths": a.max_booths, "applied_order": a.applied_order,
        } for a in applications],
    }


def deserialize_inputs(inputs: dict[str, Any]) -> tuple[list[core.BoothOption], list[core.Application]]:
    booths = [core.BoothOption(**b) for b in inputs["booths"]]
    applications = [core.Application(
        a["organization_id"], a["priority"], tuple(core.Preference(**p) for p in a["preferences"]),
        None if a["allowed_zones"] is None else frozenset(a["allowed_zones"]), a["max_booths"], a["applied_order"],
    ) for a in inputs["applications"]]
    return booths, applications
