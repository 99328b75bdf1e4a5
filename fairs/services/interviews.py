"""Interview slots as each party sees them: attendees their own, employers their own
organization's, organizers everything. Another party's interview does not exist (404)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from fairs.core import states
from fairs.core.errors import NotFound
from fairs.db.statements import Statement
from fairs.db.tables import CalendarItem, ContactRead, Event, InterviewSlot
from fairs.db.transactions import write_transaction
from fairs.services import scope, stages
from fairs.services.context import SYSTEM_CLOCK, Actor, Clock
from fairs.services.people import shown_phone

_COLUMNS = (
    InterviewSlot.id, InterviewSlot.event, InterviewSlot.status, InterviewSlot.slot_index,
    InterviewSlot.starts_at, InterviewSlot.ends_at, InterviewSlot.fit_score,
    InterviewSlot.organization, InterviewSlot.position, InterviewSlot.attendee,
    InterviewSlot.event.title.as_alias("event_title"),
    InterviewSlot.event.timezone.as_alias("timezone"),
    InterviewSlot.event.venue.name.as_alias("venue_name"),
    InterviewSlot.event.venue.address.as_alias("venue_address"),
    InterviewSlot.organization.name.as_alias("organization_name"),
    InterviewSlot.position.title.as_alias("position_title"),
    InterviewSlot.position.wage_min.as_alias("wage_min"),
    InterviewSlot.position.wage_max.as_alias("wage_max"),
    InterviewSlot.booth_reservation.booth.code.as_alias("booth_code"),
    InterviewSlot.attendee.name.as_alias("attendee_name"),
    InterviewSlot.attendee.phone.as_alias("attendee_phone"),
)


_LIST = """
SELECT s.id, s.event, s.status, s.slot_index, s.starts_at, s.ends_at, s.fit_score, s.organization, s.position,
       s.attendee, e.title AS event_title, e.timezone AS timezone, v.name AS venue_name,
       v.address AS venue_address, o.name AS organization_name, p.title AS position_title, p.wage_min AS wage_min,
       p.wage_max AS wage_max, b.code AS booth_code, a.name AS attendee_name, a.phone AS attendee_phone
FROM interview_slot s
LEFT JOIN event e ON e.id = s.event
LEFT JOIN venue v ON v.id = e.venue
LEFT JOIN organization o ON o.id = s.organization
LEFT JOIN position p ON p.id = s.position
LEFT JOIN booth_reservation r ON r.id = s.booth_reservation
LEFT JOIN booth b ON b.id = r.booth
LEFT JOIN attendee a ON a.id = s.attendee
WHERE s.{party} = {{}}{event}
ORDER BY s.starts_at, s.id"""
"""The columns of :data:`_COLUMNS`, written out for the two lists read on every phone refresh
(an attendee's slots, an employer's schedule): building the joined select with Piccolo costs
more than running it."""
_LISTS = {(party, with_event): Statement(InterviewSlot, _LIST.format(party=party,
                                                                    event=" AND s.event = {}" if with_event else ""))
          for party in ("attendee", "organization") for with_event in (False, True)}


def _scoped(actor: Actor, query: Any) -> Any:
    if actor.role == "attendee":
        return query.where(InterviewSlot.attendee == actor.attendee_id)
    if actor.role == "employer":
        return query.where(InterviewSlot.organization == actor.organization_id)
    if actor.role == "organizer":
        return query.where(InterviewSlot.event.is_in(scope.events_of_area(actor)))
    return query.where(InterviewSlot.id == -1)


def _shown(actor: Actor, row: dict[str, Any]) -> dict[str, Any]:
    """Times in the event's zone. Employers see the name and a masked phone until the
    attendee accepts; attendees do not see their own phone echoed back; organizers see
    everything."""
    zone = ZoneInfo(row["timezone"])
    row["starts_at"], row["ends_at"] = row["starts_at"].astimezone(zone), row["ends_at"].astimezone(zone)
    if actor.role == "attendee":
        row.pop("attendee_phone")
    elif actor.role == "employer":
        row["attendee_phone"] = shown_phone(row["attendee_phone"], full=row["status"] == "accepted")
    return row


async def interview_view(actor: Actor, interview_id: int, via: str = "interview") -> dict[str, Any]:
    row = await _scoped(actor, InterviewSlot.select(*_COLUMNS).where(InterviewSlot.id == interview_id)).first()
    if row is None:
        raise NotFound("no such interview", field="interview_id")
    shown = _shown(actor, row)
    await _log_contact_reads(actor, [shown], via)
    return shown


async def list_interviews(actor: Actor, event_id: int | None = None, via: str = "interviews") -> list[dict[str, Any]]:
    party = {"attendee": ("attendee", actor.attendee_id), "employer": ("organization", actor.organization_id)}
    if actor.role in party and party[actor.role][1] is not None:
        column, value = party[actor.role]
        found = await _LISTS[column, event_id is not None].rows(
                                        *((value, event_id) if event_id is not None else (value,)))
    else:
        query = _scoped(actor, InterviewSlot.select(*_COLUMNS)).order_by(InterviewSlot.starts_at).order_by(
            InterviewSlot.id)
        if event_id is not None:
            query = query.where(InterviewSlot.event == event_id)
        found = await query
    rows = [_shown(actor, row) for row in found]
    await _log_contact_reads(actor, rows, via)
    return rows


async def _log_contact_reads(actor: Actor, rows: list[dict[str, Any]], via: str) -> None:
    """Every time an employer's account is shown an attendee's full phone number, a row for the
    organizers (one insert for the whole list)."""
    if actor.role != "employer" or actor.organization_id is None:
        return
    now = SYSTEM_CLOCK.now()
    reads = [ContactRead(account=actor.account_id, organization=actor.organization_id, attendee=row["attendee"],
                         interview=row["id"], via=via[:60], at=now)
             for row in rows if row["status"] == "accepted"]
    if reads:
        async with write_transaction():
            await ContactRead.insert(*reads)


async def respond(actor: Actor, interview_id: int, answer: str, clock: Clock = SYSTEM_CLOCK,
                  queue: Any = None) -> dict[str, Any]:
    """The attendee accepts or declines a proposed interview. Declining frees the slot, bumps
    the calendar SEQUENCE (the entry becomes cancelled) and asks for a backfill run, which
    offers the freed interview to the next best attendee."""
    if actor.role != "attendee":
        raise NotFound("no such interview", field="interview_id")
    async with write_transaction():
        row = await interview_view(actor, interview_id)
        states.move("interview", row["status"], answer)
        await InterviewSlot.update({InterviewSlot.status: answer}).where(InterviewSlot.id == interview_id)
        await stages.refresh([row["event"]], row["attendee"])
        if answer == "declined":
            await CalendarItem.update({
                CalendarItem.sequence: CalendarItem.sequence + 1,
                CalendarItem.cancelled: True,
                CalendarItem.updated_at: clock.now(),
            }).where(CalendarItem.interview_slot == interview_id)
            from fairs.services.matching import request_backfill  # matching needs calendar, which needs this

            await request_backfill(row["event"], queue, clock)
    return await interview_view(actor, interview_id)


_PART_NAMES = {
    "skills": ("技能相符", "skills you have that the position asks for"),
    "industry_wish": ("想做的行业", "an industry you said you want"),
    "commute": ("离家近", "close to home"),
    "conditions": ("工作条件", "conditions you asked for (food and lodging, part-time)"),
    "own_ranking": ("您选择的企业", "an employer you chose"),
}


async def why(actor: Actor, interview_id: int) -> dict[str, Any]:
    """Why this pairing: the fit score's parts when the pair was made, with a line for each
    part that counted. Who may see the interview may see why."""
    row = await _scoped(actor, InterviewSlot.select(
        InterviewSlot.id, InterviewSlot.fit_score, InterviewSlot.fit_parts, InterviewSlot.match_run,
        InterviewSlot.event, InterviewSlot.attendee, InterviewSlot.position,
        InterviewSlot.position.title.as_alias("position_title"),
        InterviewSlot.organization.name.as_alias("organization_name"))).where(
        InterviewSlot.id == interview_id).output(load_json=True).first()
    if row is None:
        raise NotFound("no such interview", field="interview_id")
    parts = {name: int(points) for name, points in (row["fit_parts"] or {}).items()}
    if not parts:  # worked out on the first ask, then kept (see matching_data.write_interviews)
        from fairs.services.matching_data import pair_parts  # it needs calendar, which needs this module

        event = await Event.select().where(Event.id == row["event"]).first()
        assert event is not None
        parts = await pair_parts(event, row["attendee"], row["position"])
        await InterviewSlot.update({InterviewSlot.fit_parts: parts}).where(InterviewSlot.id == interview_id)
    reasons = [{"part": name, "points": points, "zh": _PART_NAMES[name][0], "en": _PART_NAMES[name][1]}
               for name, points in parts.items() if points > 0 and name in _PART_NAMES]
    return {"interview_id": row["id"], "score": row["fit_score"], "parts": parts, "reasons": reasons,
            "organization_name": row["organization_name"], "position_title": row["position_title"],
            "match_run": row["match_run"]}
