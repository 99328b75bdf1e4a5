"""Matching runs: an organizer starts one, a worker job carries it out.

The job is idempotent: a run that already succeeded is not run again, and a run only adds
interviews that do not exist yet, so re-running after new registrations adds only what is new.
All of a run's writes (interviews, calendar items, outbox messages, the run's result) are one
transaction: a crash leaves either all of them or none.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from redis.exceptions import RedisError

from fairs.core import ics, matching, states
from fairs.core.errors import Conflict, NotFound
from fairs.core.slots import interview_slots, overlaps
from fairs.db.tables import (
    Attendee,
    BoothReservation,
    Event,
    InterviewSlot,
    MatchRun,
    Organization,
    Position,
    Registration,
    Venue,
)
from fairs.db.transactions import after_commit, lock_rows, write_transaction
from fairs.services import scope
from fairs.services.calendar import add_item
from fairs.services.context import SYSTEM_CLOCK, Actor, Clock
from fairs.services.fairs_setup import require_organizer
from fairs.services.outbox import queue_message
from fairs.services.progress import Report, no_report, read_progress
from fairs.services.queue import RUN_MATCHING, JobQueue

log = logging.getLogger(__name__)
ACTIVE_RUN = ("queued", "running")


def job_id(run_id: int) -> str:
    return f"match-run-{run_id}"


async def start_match_run(actor: Actor, event_id: int, queue: JobQueue,
                          clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    """Create a queued run for the event and enqueue its job. One active run per event:
    asking again while one is queued or running answers 409 with that run's id."""
    require_organizer(actor)
    async with write_transaction():
        event = await Event.select(Event.status).where(
            Event.id == event_id, scope.writable(actor, Event.area)).first()
        if event is None:
            raise NotFound("no such event", field="event_id")
        await lock_rows(Event, [event_id])
        if event["status"] not in ("published", "closed"):
            raise Conflict("publish the event before matching", field="event_id", code="event_not_published")
        active = await MatchRun.select(MatchRun.id).where(
            MatchRun.event == event_id, MatchRun.status.is_in(list(ACTIVE_RUN))).first()
        if active is not None:
            raise Conflict("a matching run for this event is already queued or running", field="event_id",
                           code="match_run_active", extra={"match_run_id": active["id"]})
        run = MatchRun(event=event_id, status="queued", parameters={"algorithm": "greedy-rounds"},
                       metrics={}, requested_by=actor.account_id, created_at=clock.now())
        await run.save()
        run_id = int(run.id)
        after_commit(lambda: _enqueue_or_leave_queued(queue, run_id))
    return await get_match_run(actor, run_id)


async def _enqueue_or_leave_queued(queue: JobQueue, run_id: int) -> None:
    """The run is committed as queued; if Redis cannot take the job now, the cron job
    ``requeue_stale_match_runs`` enqueues it later, so the request still succeeds."""
    try:
        await queue.enqueue(RUN_MATCHING, run_id, job_id=job_id(run_id))
    except (OSError, RedisError) as error:
        log.warning("could not enqueue matching run %s (%s); it will be re-queued", run_id, type(error).__name__)


async def get_match_run(actor: Actor, run_id: int) -> dict[str, Any]:
    require_organizer(actor)
    run = await MatchRun.select().where(
        MatchRun.id == run_id, MatchRun.event.is_in(scope.events_of_area(actor))).output(load_json=True).first()
    if run is None:
        raise NotFound("no such matching run", field="match_run_id")
    return run


FINISHED_RUN = ("succeeded", "failed")


async def with_progress(run: dict[str, Any], queue: Any) -> dict[str, Any]:
    """The run with its ``progress``: from Redis while it is queued or running (see
    :mod:`fairs.services.progress`), else ``done``/``failed``."""
    if run["status"] == "succeeded":
        progress: dict[str, Any] = {"phase": "done", "percent": 100, "at": None}
    else:
        last = await read_progress(getattr(queue, "pool", None), "match-run", run["id"]) if queue else None
        progress = asdict(last) if last else {"phase": run["status"], "percent": 0, "at": None}
        if run["status"] == "failed":
            progress["phase"] = "failed"
    return {**run, "progress": progress}


async def requeue_stale_runs(queue: JobQueue, older_than: datetime) -> list[int]:
    """Enqueue again runs still queued since before ``older_than`` (Redis lost the job, or the
    enqueue after commit failed). The job id deduplicates a job that is in fact still there."""
    rows = await MatchRun.select(MatchRun.id).where(
        MatchRun.status.is_in(list(ACTIVE_RUN)), MatchRun.created_at < older_than)
    for row in rows:
        await queue.enqueue(RUN_MATCHING, row["id"], job_id=job_id(row["id"]))
    return [row["id"] for row in rows]


async def run_match(run_id: int, organizer_mailbox: str, clock: Clock = SYSTEM_CLOCK,
                    report: Report = no_report) -> dict[str, Any]:
    """Carry out one run (the worker job's body), telling ``report`` how far it has come.
    Returns the run's metrics."""
    async with write_transaction():
        await lock_rows(MatchRun, [run_id])
        run = await MatchRun.select(MatchRun.status, MatchRun.event, MatchRun.metrics).where(
            MatchRun.id == run_id).output(load_json=True).first()
        if run is None:
            raise NotFound("no such matching run", field="match_run_id")
        if run["status"] in ("succeeded", "failed"):
            return dict(run["metrics"] or {})
        event_id = run["event"]
        await lock_rows(Event, [event_id])
        states.move("match_run", run["status"], "running")
        started_at = clock.now()
        event = await Event.select().where(Event.id == event_id).first()
        assert event is not None
        await report("loading", 0)
        problem, context = await _load_problem(event)
        await report("pairing", 20)
        proposals = matching.assign_interviews(problem)
        await report("writing", 70)
        created = await _save(proposals, event, context, run_id, organizer_mailbox, clock)
        metrics = _metrics(problem, proposals, created)
        await MatchRun.update({
            MatchRun.status: "succeeded", MatchRun.metrics: metrics, MatchRun.finished_at: clock.now(),
            MatchRun.started_at: started_at,
        }).where(MatchRun.id == run_id)
    return metrics


async def mark_failed(run_id: int, reason: str, clock: Clock = SYSTEM_CLOCK) -> None:
    """The job gave up on the run (its last try failed): the run is failed, so the event can be
    matched again. ``reason`` is an error class name, never personal data."""
    async with write_transaction():
        await MatchRun.update({MatchRun.status: "failed", MatchRun.error: reason, MatchRun.finished_at: clock.now()}
                              ).where(MatchRun.id == run_id, MatchRun.status.is_in(list(ACTIVE_RUN)))


async def _load_problem(event: dict[str, Any]) -> tuple[matching.MatchingInput, dict[str, Any]]:
    event_id = event["id"]
    registrations = await Registration.select(
        Registration.attendee, Registration.id,
        Registration.attendee.skills.as_alias("skills"),
        Registration.attendee.desired_industries.as_alias("industries"),
        Registration.attendee.priority_groups.as_alias("groups"),
    ).where(Registration.event == event_id, Registration.status.is_in(["registered", "checked_in"]))
    candidates = [
        matching.Candidate(
            attendee_id=r["attendee"], order=r["id"], skills=frozenset(r["skills"] or ()),
            desired_industries=frozenset(r["industries"] or ()), priority_groups=frozenset(r["groups"] or ()),
        )
        for r in registrations
    ]
    reservations = await BoothReservation.select(
        BoothReservation.id, BoothReservation.organization, BoothReservation.interviewers
    ).where(BoothReservation.event == event_id, BoothReservation.status == "confirmed").order_by(
        BoothReservation.id)
    interviewers: dict[int, int] = defaultdict(int)
    booth_of: dict[int, int] = {}
    for r in reservations:
        interviewers[r["organization"]] += r["interviewers"]
        booth_of.setdefault(r["organization"], r["id"])
    positions = await Position.select().where(
        Position.organization.is_in(list(interviewers) or [-1]), Position.active.eq(True))
    openings = [
        matching.Opening(
            position_id=p["id"], organization_id=p["organization"], industry=p["industry"],
            skills=frozenset(p["skills"] or ()), accepts_older_workers=p["accepts_older_workers"],
        )
        for p in positions
    ]
    existing = await InterviewSlot.select(
        InterviewSlot.attendee, InterviewSlot.organization, InterviewSlot.slot_index, InterviewSlot.status
    ).where(InterviewSlot.event == event_id, InterviewSlot.status != "cancelled")
    booked = [
        matching.Booked(e["attendee"], e["organization"], e["slot_index"])
        for e in existing if e["status"] in states.ACTIVE_INTERVIEW
    ]
    declined = [(e["attendee"], e["organization"]) for e in existing if e["status"] == "declined"]
    zone = ZoneInfo(event["timezone"])
    grid = interview_slots(event["starts_at"].astimezone(zone), event["ends_at"].astimezone(zone),
                           event["interview_slot_minutes"])
    elsewhere = await InterviewSlot.select(
        InterviewSlot.attendee, InterviewSlot.starts_at, InterviewSlot.ends_at
    ).where(
        InterviewSlot.event != event_id, InterviewSlot.status.is_in(list(states.ACTIVE_INTERVIEW)),
        InterviewSlot.attendee.is_in([c.attendee_id for c in candidates] or [-1]),
        InterviewSlot.starts_at < event["ends_at"], InterviewSlot.ends_at > event["starts_at"])
    busy = [(e["attendee"], slot.index) for e in elsewhere for slot in grid
            if overlaps(slot.starts_at, slot.ends_at, e["starts_at"], e["ends_at"])]
    problem = matching.MatchingInput(
        candidates=candidates, openings=openings, interviewers=dict(interviewers), slot_count=len(grid),
        per_attendee=event["interviews_per_attendee"], booked=booked, declined=declined, busy=busy,
    )
    return problem, {"grid": grid, "booth_of": booth_of}


async def _save(proposals: list[matching.ProposedInterview], event: dict[str, Any], context: dict[str, Any],
                run_id: int, organizer_mailbox: str, clock: Clock) -> int:
    if not proposals:
        return 0
    grid = context["grid"]
    now = clock.now()
    rows = [
        InterviewSlot(
            event=event["id"], organization=p.organization_id, position=p.position_id, attendee=p.attendee_id,
            booth_reservation=context["booth_of"].get(p.organization_id), match_run=run_id,
            slot_index=p.slot_index, starts_at=grid[p.slot_index].starts_at, ends_at=grid[p.slot_index].ends_at,
            status="proposed", fit_score=p.score, created_at=now,
        )
        for p in proposals
    ]
    await InterviewSlot.insert(*rows)
    attendees = {a["id"]: a for a in await Attendee.select(
        Attendee.id, Attendee.name, Attendee.phone, Attendee.email, Attendee.language
    ).where(Attendee.id.is_in(list({p.attendee_id for p in proposals})))}
    names = {o["id"]: o["name"] for o in await Organization.select(Organization.id, Organization.name).where(
        Organization.id.is_in(list({p.organization_id for p in proposals})))}
    titles = {p["id"]: p["title"] for p in await Position.select(Position.id, Position.title).where(
        Position.id.is_in(list({p.position_id for p in proposals})))}
    booth_codes = {r["id"]: r["code"] for r in await BoothReservation.select(
        BoothReservation.id, BoothReservation.booth.code.as_alias("code")).where(
        BoothReservation.id.is_in(list(context["booth_of"].values()) or [-1]))}
    venue = await Venue.select(Venue.name, Venue.address).where(Venue.id == event["venue"]).first() or {
        "name": "", "address": ""}
    for row in rows:
        item = await add_item("interview", clock, event_id=event["id"], interview_slot_id=int(row.id))
        place = Place(venue["name"], venue["address"], booth_codes.get(row.booth_reservation))
        await _invite(attendees[row.attendee], row, item.uid, event, names[row.organization], titles[row.position],
                      place, organizer_mailbox, clock)
    return len(rows)


@dataclass(frozen=True)
class Place:
    venue_name: str
    venue_address: str
    booth_code: str | None


async def _invite(person: dict[str, Any], row: InterviewSlot, uid: str, event: dict[str, Any],
                  organization: str, position: str, place: Place, organizer_mailbox: str, clock: Clock) -> None:
    """Queue the invitation: an e-mail with the calendar entry when the person has a mailbox,
    otherwise a text message (many attendees have no e-mail)."""
    zone = ZoneInfo(event["timezone"])
    when = row.starts_at.astimezone(zone).strftime("%m-%d %H:%M")
    en = person["language"] == "en"
    booth = f", booth {place.booth_code}" if en and place.booth_code else (
        f"，展位{place.booth_code}" if place.booth_code else "")
    text = (f"fairs: interview with {organization} ({position}) on {when}, {event['title']}{booth}." if en
            else f"【就业服务】您有一场面试：{organization}（{position}），{when}，{event['title']}{booth}。")
    if not person["email"]:
        await queue_message(f"interview-invite:{row.id}:0:sms", "sms", person["phone"], "", text, clock)
        return
    facts = ics.InterviewFacts(
        uid=uid, sequence=0, starts_at=row.starts_at, ends_at=row.ends_at, timezone=event["timezone"],
        event_title=event["title"], organization_name=organization, position_title=position,
        booth_code=place.booth_code, venue_name=place.venue_name, venue_address=place.venue_address,
        organizer=ics.CalendarParty("fairs", organizer_mailbox),
        recipient=ics.CalendarParty(person["name"], person["email"]),
    )
    calendar = ics.build_calendar([ics.interview_entry(facts, "en" if en else "zh")],
                                  stamped_at=clock.now(), method="REQUEST")
    await queue_message(f"interview-invite:{row.id}:0:email", "email", person["email"],
                        text, text, clock, attachment=calendar.decode(),
                        attachment_type="text/calendar; method=REQUEST; charset=UTF-8")


def _metrics(problem: matching.MatchingInput, proposals: list[matching.ProposedInterview],
             created: int) -> dict[str, Any]:
    served = {b.attendee_id for b in problem.booked} | {p.attendee_id for p in proposals}
    priority = {c.attendee_id for c in problem.candidates if c.is_priority}
    return {
        "candidates": len(problem.candidates),
        "openings": len(problem.openings),
        "slots": problem.slot_count,
        "interviews_created": created,
        "interviews_kept": len(problem.booked),
        "attendees_with_interview": len(served),
        "priority_attendees": len(priority),
        "priority_attendees_with_interview": len(served & priority),
        "total_fit": sum(p.score for p in proposals),
    }
