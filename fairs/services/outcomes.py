"""What happened at an interview, as the employer marks it, and the follow-up it leads to.

Outcomes: ``no_show`` (did not come), ``attended`` (came, no offer), ``offer``, ``hired`` (with
the position and the first working day). An outcome can be corrected (an offer later becomes a
hire); it can only be marked once the interview has begun, and only on an interview that was
kept (proposed or accepted — a declined or cancelled one has nothing to mark).

Follow-up (稳岗回访 and 未就业帮扶): a daily cron job creates, a week before they are due,
``retention_1m``/``_3m``/``_6m`` calls for every hire (1, 3 and 6 months after the start date)
and one ``no_offer`` call for everyone who checked in at a fair and got no offer there (three
days after it ended). Each goes to the service station that serves the person: the station
that registered them most recently, else the station whose area holds their home (the
nearest one up the area tree). Staff of that station record the answer.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fairs.core.errors import Conflict, InvalidInput, NotFound
from fairs.db.tables import (
    Area,
    Attendee,
    FollowUp,
    InterviewSlot,
    Position,
    Registration,
    ServiceStation,
)
from fairs.db.transactions import lock_rows, write_transaction
from fairs.services import scope, stages, webhooks
from fairs.services.context import SYSTEM_CLOCK, Actor, Clock
from fairs.services.interviews import interview_view

OUTCOMES = ("no_show", "attended", "offer", "hired")
MILESTONES = (("retention_1m", 1), ("retention_3m", 3), ("retention_6m", 6))
LEAD = timedelta(days=7)
"""Follow-up calls are created this long before they are due, so staff can plan them."""
NO_OFFER_AFTER = timedelta(days=3)
ANSWERS = {
    "retention_1m": ("still_employed", "left", "unreachable"),
    "retention_3m": ("still_employed", "left", "unreachable"),
    "retention_6m": ("still_employed", "left", "unreachable"),
    "no_offer": ("found_work", "referred_fair", "referred_training", "not_looking", "unreachable"),
}


async def mark_outcome(actor: Actor, interview_id: int, outcome: str, hired_position_id: int | None = None,
                       start_date: str | None = None, clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    """The employer (or an organizer of the event's area) marks what happened."""
    if actor.role not in ("employer", "organizer"):
        raise NotFound("no such interview", field="interview_id")
    if outcome not in OUTCOMES:
        raise InvalidInput(f"must be one of {', '.join(OUTCOMES)}", "outcome")
    started: date | None = None
    if outcome == "hired":
        if hired_position_id is None:
            raise InvalidInput("a hire names the position", "hired_position_id")
        try:
            started = date.fromisoformat(start_date or "")
        except ValueError:
            raise InvalidInput("a hire names the first working day as YYYY-MM-DD", "start_date") from None
    async with write_transaction():
        row = await interview_view(actor, interview_id)
        await lock_rows(InterviewSlot, [interview_id])
        if row["status"] not in ("proposed", "accepted"):
            raise Conflict(f"the interview was {row['status']}: there is nothing to mark", field="interview_id",
                           code="interview_not_kept")
        if row["starts_at"] > clock.now():
            raise Conflict("the interview has not begun yet", field="interview_id", code="interview_not_begun")
        if started is not None:
            position = await Position.select(Position.organization).where(Position.id == hired_position_id).first()
            if position is None or position["organization"] != row["organization"]:
                raise InvalidInput("no such position of this employer", "hired_position_id")
            if started < row["starts_at"].date() or started > row["starts_at"].date() + timedelta(days=366):
                raise InvalidInput("must be on or after the interview, within a year", "start_date")
        before = await InterviewSlot.select(InterviewSlot.outcome, InterviewSlot.hired_position,
                                            InterviewSlot.start_date).where(InterviewSlot.id == interview_id).first()
        await InterviewSlot.update({
            InterviewSlot.outcome: outcome,
            InterviewSlot.hired_position: hired_position_id if outcome == "hired" else None,
            InterviewSlot.start_date: started.isoformat() if started else None,
            InterviewSlot.outcome_at: clock.now(), InterviewSlot.outcome_by: actor.account_id,
        }).where(InterviewSlot.id == interview_id)
        await stages.refresh([row["event"]], row["attendee"])
        hired_position = hired_position_id if outcome == "hired" else None
        start = started.isoformat() if started else None
        if before is None or (before["outcome"], before["hired_position"], before["start_date"]) != (
                outcome, hired_position, start):  # a repeated marking is not a new event
            marked_at = clock.now()
            await webhooks.emit("interview.outcome", f"{interview_id}:{marked_at.timestamp():.6f}", {
                "interview_id": interview_id, "event_id": row["event"], "organization_id": row["organization"],
                "position_id": row["position"], "hired_position_id": hired_position, "attendee_id": row["attendee"],
                "outcome": outcome, "previous_outcome": (before or {}).get("outcome") or None, "start_date": start,
                "marked_at": marked_at,
            }, fair_event_id=row["event"], clock=clock)
    view = await interview_view(actor, interview_id)
    return {**view, **await InterviewSlot.select(
        InterviewSlot.outcome, InterviewSlot.hired_position, InterviewSlot.start_date).where(
        InterviewSlot.id == interview_id).first()}


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it has no such day)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


async def create_due_follow_ups(clock: Clock = SYSTEM_CLOCK, zone: str = "Asia/Shanghai") -> int:
    """The cron job: create every follow-up due within ``LEAD`` that does not exist yet
    (one per interview and milestone, one per registration for ``no_offer``). Returns how
    many were created; running it again creates none."""
    now = clock.now()
    today = now.astimezone(ZoneInfo(zone)).date()
    horizon = today + LEAD
    hires = await InterviewSlot.select(InterviewSlot.id, InterviewSlot.attendee, InterviewSlot.start_date).where(
        InterviewSlot.outcome == "hired", InterviewSlot.start_date.is_not_null(),
        InterviewSlot.start_date <= add_months(horizon, -1).isoformat())
    wanted: list[dict[str, Any]] = []
    for hire in hires:
        start = date.fromisoformat(hire["start_date"])
        for kind, months in MILESTONES:
            due = add_months(start, months)
            if due <= horizon:
                wanted.append({"attendee": hire["attendee"], "interview": hire["id"], "registration": None,
                               "kind": kind, "due_on": due.isoformat()})
    ended = now - NO_OFFER_AFTER + LEAD
    came = await Registration.select(Registration.id, Registration.attendee, Registration.event,
                                     Registration.event.ends_at.as_alias("ends_at")).where(
        Registration.status == "checked_in", Registration.event.ends_at <= ended)
    events = sorted({r["event"] for r in came}) or [-1]
    offered = {(i["event"], i["attendee"]) for i in await InterviewSlot.select(
        InterviewSlot.event, InterviewSlot.attendee).where(InterviewSlot.outcome.is_in(["offer", "hired"]),
                                                            InterviewSlot.event.is_in(events))}
    for registration in came:
        if (registration["event"], registration["attendee"]) not in offered:
            due = (registration["ends_at"] + NO_OFFER_AFTER).astimezone(ZoneInfo(zone)).date()
            wanted.append({"attendee": registration["attendee"], "interview": None,
                           "registration": registration["id"], "kind": "no_offer", "due_on": due.isoformat()})
    if not wanted:
        return 0
    stations = await stations_of({w["attendee"] for w in wanted})
    created = 0
    async with write_transaction():
        existing = {(f["interview"], f["registration"], f["kind"]) for f in await FollowUp.select(
            FollowUp.interview, FollowUp.registration, FollowUp.kind).where(
            FollowUp.attendee.is_in(sorted({w["attendee"] for w in wanted})))}
        rows = [FollowUp(**w, station=stations.get(w["attendee"]), status="open", answer="", note="", created_at=now)
                for w in wanted if (w["interview"], w["registration"], w["kind"]) not in existing]
        if rows:
            for start in range(0, len(rows), 500):
                await FollowUp.insert(*rows[start:start + 500])
            created = len(rows)
    return created


async def stations_of(attendees: set[int]) -> dict[int, int]:
    """Each person's service station: the one that registered them most recently, else the
    nearest station up the area tree from their home."""
    found: dict[int, int] = {}
    if not attendees:
        return found
    for row in await Registration.select(Registration.attendee, Registration.station).where(
            Registration.attendee.is_in(sorted(attendees)), Registration.station.is_not_null()).order_by(
            Registration.id):
        found[row["attendee"]] = row["station"]
    rest = attendees - set(found)
    if rest:
        homes = {a["id"]: a["path"] for a in await Attendee.select(
            Attendee.id, Attendee.home_area.path.as_alias("path")).where(Attendee.id.is_in(sorted(rest)))}
        stations = [(s["path"], s["id"]) for s in await ServiceStation.select(
            ServiceStation.id, ServiceStation.area.path.as_alias("path")).order_by(ServiceStation.id)]
        for attendee, home in homes.items():
            covering = [(len(path), station) for path, station in stations if home and home.startswith(path)]
            if covering:
                found[attendee] = max(covering)[1]
    return found


FOLLOW_UP_COLUMNS = (FollowUp.id, FollowUp.kind, FollowUp.due_on, FollowUp.status, FollowUp.answer, FollowUp.note,
                     FollowUp.attendee, FollowUp.attendee.name.as_alias("attendee_name"),
                     FollowUp.attendee.phone.as_alias("attendee_phone"), FollowUp.interview,
                     FollowUp.interview.organization.name.as_alias("organization_name"),
                     FollowUp.interview.hired_position.title.as_alias("position_title"),
                     FollowUp.interview.start_date.as_alias("start_date"), FollowUp.registration,
                     FollowUp.registration.event.title.as_alias("event_title"), FollowUp.station,
                     FollowUp.done_at)


def _visible(actor: Actor) -> Any:
    if actor.role == "staff" and actor.station_id is not None:
        return FollowUp.station == actor.station_id
    if actor.role == "organizer":
        return FollowUp.attendee.home_area.is_in(Area.select(Area.id).where(
            scope.within(Area.path, scope.area_path(actor))))
    return FollowUp.id == -1


async def list_follow_ups(actor: Actor, status: str = "open") -> list[dict[str, Any]]:
    """Staff: their station's calls; organizers: those of people living in their area."""
    if actor.role not in ("staff", "organizer"):
        raise NotFound("not found")
    query = FollowUp.select(*FOLLOW_UP_COLUMNS).where(_visible(actor)).order_by(FollowUp.due_on).order_by(
        FollowUp.id)
    if status != "all":
        query = query.where(FollowUp.status == status)
    return await query


async def record_answer(actor: Actor, follow_up_id: int, answer: str, note: str,
                        clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    """Staff record what the person said; a call can be answered again (a correction)."""
    if actor.role not in ("staff", "organizer"):
        raise NotFound("no such follow-up", field="follow_up_id")
    async with write_transaction():
        row = await FollowUp.select(FollowUp.kind).where(FollowUp.id == follow_up_id, _visible(actor)).first()
        if row is None:
            raise NotFound("no such follow-up", field="follow_up_id")
        if answer not in ANSWERS[row["kind"]]:
            raise InvalidInput(f"must be one of {', '.join(ANSWERS[row['kind']])}", "answer")
        if len(note) > 2000:
            raise InvalidInput("at most 2000 characters", "note")
        await FollowUp.update({FollowUp.status: "done", FollowUp.answer: answer, FollowUp.note: note,
                               FollowUp.done_by: actor.account_id, FollowUp.done_at: clock.now()}).where(
            FollowUp.id == follow_up_id)
        hire = await FollowUp.select(FollowUp.interview.event.as_alias("event"),
                                     FollowUp.interview.attendee.as_alias("attendee")).where(
            FollowUp.id == follow_up_id, FollowUp.interview.is_not_null()).first()
        if hire is not None:
            await stages.refresh([hire["event"]], hire["attendee"])
    found = await FollowUp.select(*FOLLOW_UP_COLUMNS).where(FollowUp.id == follow_up_id).first()
    assert found is not None
    return found
