"""What a matching run reads and writes, in bulk.

A festival has 100,000 registrations and 300,000 interviews to write, so the run reads with a
handful of set-based queries and writes with ``COPY`` (PostgreSQL) or ``executemany``
(SQLite), inside the run's one transaction: a crash leaves all of it or none.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fairs.core import matching, states
from fairs.core.slots import TimeSlot, interview_slots, overlaps
from fairs.db.tables import Attendee, CalendarItem, InterviewSlot, MatchOverride, Registration
from fairs.db.transactions import copy_rows, new_ids
from fairs.services.calendar import new_uid

_ACTIVE_REGISTRATION = "('registered', 'checked_in')"
_ACTIVE_INTERVIEW = "('proposed', 'accepted')"

_REGISTRATIONS = f"""
SELECT r.id, r.attendee, r.ranked_organizations, r.available_blocks, a.skills, a.desired_industries,
       a.priority_groups, a.birth_year, a.certificates, a.max_commute_km, a.needs_food_lodging,
       a.wants_part_time, h.latitude, h.longitude
FROM registration r
JOIN attendee a ON a.id = r.attendee
LEFT JOIN area h ON h.id = a.home_area
WHERE r.event = {{}} AND r.status IN {_ACTIVE_REGISTRATION}
ORDER BY r.id"""

_EMPLOYERS = """
SELECT br.id, br.organization, br.interviewers, p.available_blocks
FROM booth_reservation br
LEFT JOIN participation p ON p.event = br.event AND p.organization = br.organization
WHERE br.event = {} AND br.status = 'confirmed'
ORDER BY br.id"""

_POSITIONS = """
SELECT p.id, p.organization, p.industry, p.skills, p.accepts_older_workers, p.min_age, p.max_age,
       p.required_certificates, p.provides_food_lodging, p.part_time, w.latitude, w.longitude
FROM position p
LEFT JOIN area w ON w.id = p.work_area
WHERE p.active AND p.organization IN (
    SELECT organization FROM booth_reservation WHERE event = {} AND status = 'confirmed')
ORDER BY p.id"""

_BUSY_ELSEWHERE = f"""
SELECT s.attendee, s.starts_at, s.ends_at
FROM interview_slot s
JOIN registration r ON r.attendee = s.attendee AND r.event = {{}} AND r.status IN {_ACTIVE_REGISTRATION}
WHERE s.event <> {{}} AND s.status IN {_ACTIVE_INTERVIEW} AND s.starts_at < {{}} AND s.ends_at > {{}}"""


@dataclass
class Loaded:
    problem: matching.MatchingInput
    grid: list[TimeSlot]
    booth_of: dict[int, int]
    """organization id → the reservation its interviews are held at (its first booth)."""


def _set(values: Any) -> frozenset[str]:
    return frozenset(values or ())


def _point(row: dict[str, Any]) -> matching.GeoPoint | None:
    if row["latitude"] is None or row["longitude"] is None:
        return None
    return (float(row["latitude"]), float(row["longitude"]))


def core_blocks(stored: list[list[int]], slot_count: int) -> tuple[list[tuple[int, int]], dict[int, int]]:
    """The event's blocks as matching takes them — half-open ``(first, stop)`` ranges covering
    every slot in order — from the stored inclusive ``[first, last]`` ones, which may leave
    gaps (a lunch break): each gap becomes a block nobody attends. Returns the ranges and
    stored block index → matching block index."""
    ranges: list[tuple[int, int]] = []
    index: dict[int, int] = {}
    at = 0
    for number, (first, last) in enumerate(stored):
        if first > at:
            ranges.append((at, first))
        index[number] = len(ranges)
        ranges.append((first, last + 1))
        at = last + 1
    if stored and at < slot_count:
        ranges.append((at, slot_count))
    return ranges, index


def _blocks_of(chosen: list[int] | None, index: dict[int, int]) -> frozenset[int] | None:
    """Matching block indexes of stored block choices; ``None`` when the event has no blocks."""
    if not index:
        return None
    return frozenset(index[b] for b in (chosen if chosen is not None else index) if b in index)


def _candidate(r: dict[str, Any], year: int, block_index: dict[int, int]) -> matching.Candidate:
    """A registration row of ``_REGISTRATIONS`` as matching sees the attendee."""
    return matching.Candidate(
        attendee_id=r["attendee"], order=r["id"], skills=_set(r["skills"]),
        desired_industries=_set(r["desired_industries"]), priority_groups=_set(r["priority_groups"]),
        ranked_organizations=tuple(r["ranked_organizations"] or ()),
        age=year - r["birth_year"] if r["birth_year"] else None, certificates=_set(r["certificates"]),
        home=_point(r), max_commute_km=r["max_commute_km"], needs_food_and_lodging=bool(r["needs_food_lodging"]),
        wants_part_time=bool(r["wants_part_time"]), available_blocks=_blocks_of(r["available_blocks"], block_index),
    )


def _opening(p: dict[str, Any]) -> matching.Opening:
    """A position row of ``_POSITIONS`` as matching sees it."""
    return matching.Opening(
        position_id=p["id"], organization_id=p["organization"], industry=p["industry"], skills=_set(p["skills"]),
        accepts_older_workers=bool(p["accepts_older_workers"]), min_age=p["min_age"], max_age=p["max_age"],
        required_certificates=_set(p["required_certificates"]), work_location=_point(p),
        provides_food_and_lodging=bool(p["provides_food_lodging"]), part_time=bool(p["part_time"]),
    )


async def load_problem(event: dict[str, Any]) -> Loaded:
    event_id = event["id"]
    zone = ZoneInfo(event["timezone"])
    grid = interview_slots(event["starts_at"].astimezone(zone), event["ends_at"].astimezone(zone),
                           event["interview_slot_minutes"])
    stored_blocks = event["interview_blocks"]
    if isinstance(stored_blocks, str):
        stored_blocks = json.loads(stored_blocks)
    blocks, block_index = core_blocks(list(stored_blocks or []), len(grid))
    year = event["starts_at"].astimezone(zone).year

    candidates = [
        _candidate(r, year, block_index)
        for r in await Registration.raw(_REGISTRATIONS, event_id)
    ]
    interviewers: dict[int, int] = defaultdict(int)
    booth_of: dict[int, int] = {}
    organization_blocks: dict[int, frozenset[int]] = {}
    for r in await Registration.raw(_EMPLOYERS, event_id):
        interviewers[r["organization"]] += r["interviewers"]
        booth_of.setdefault(r["organization"], r["id"])
        chosen = _blocks_of(r["available_blocks"], block_index)
        if chosen is not None:
            organization_blocks[r["organization"]] = chosen
    openings = [
        _opening(p)
        for p in await Registration.raw(_POSITIONS, event_id)
    ]
    existing = await InterviewSlot.select(
        InterviewSlot.attendee, InterviewSlot.organization, InterviewSlot.slot_index, InterviewSlot.status
    ).where(InterviewSlot.event == event_id, InterviewSlot.status != "cancelled")
    booked = [matching.Booked(e["attendee"], e["organization"], e["slot_index"])
              for e in existing if e["status"] in states.ACTIVE_INTERVIEW]
    declined = [(e["attendee"], e["organization"]) for e in existing if e["status"] == "declined"]
    busy = [(e["attendee"], slot.index)
            for e in await Registration.raw(_BUSY_ELSEWHERE, event_id, event_id, event["ends_at"], event["starts_at"])
            for slot in grid if overlaps(slot.starts_at, slot.ends_at, e["starts_at"], e["ends_at"])]
    overrides = await MatchOverride.select(MatchOverride.attendee, MatchOverride.organization,
                                           MatchOverride.kind).where(MatchOverride.event == event_id)
    problem = matching.MatchingInput(
        candidates=candidates, openings=openings, interviewers=dict(interviewers), slot_count=len(grid),
        per_attendee=event["interviews_per_attendee"], booked=booked, declined=declined, busy=busy,
        blocks=blocks if stored_blocks else (), organization_blocks=organization_blocks,
        pinned=[(o["attendee"], o["organization"]) for o in overrides if o["kind"] == "pin"],
        forbidden=[(o["attendee"], o["organization"]) for o in overrides if o["kind"] == "forbid"],
    )
    return Loaded(problem, grid, booth_of)


async def write_interviews(loaded: Loaded, interviews: tuple[matching.ProposedInterview, ...], event_id: int,
                           run_id: int, now: datetime) -> list[dict[str, Any]]:
    """Write the new interviews and their calendar items (``COPY``); returns the interviews
    written, as rows with their ids and calendar UIDs. The score's parts are worked out when
    someone first asks why (:func:`pair_parts`): at festival scale, doing it for every pair
    here cost more than the solving."""
    ids = await new_ids(InterviewSlot, len(interviews))
    grid = loaded.grid
    rows = [
        {"id": slot_id, "organization": p.organization_id, "position": p.position_id, "attendee": p.attendee_id,
         "booth_reservation": loaded.booth_of.get(p.organization_id), "slot_index": p.slot_index,
         "starts_at": grid[p.slot_index].starts_at, "ends_at": grid[p.slot_index].ends_at, "score": p.score,
         "uid": new_uid()}
        for slot_id, p in zip(ids, interviews, strict=True)
    ]
    await copy_rows(InterviewSlot, (
        "id", "event", "organization", "position", "attendee", "booth_reservation", "match_run", "slot_index",
        "starts_at", "ends_at", "status", "fit_score", "fit_parts", "created_at"), [
        (r["id"], event_id, r["organization"], r["position"], r["attendee"], r["booth_reservation"], run_id,
         r["slot_index"], r["starts_at"], r["ends_at"], "proposed", r["score"],
         "{}", now)
        for r in rows])
    for row, item_id in zip(rows, await new_ids(CalendarItem, len(rows)), strict=True):
        row["item"] = item_id
    await copy_rows(CalendarItem, ("id", "uid", "sequence", "kind", "event", "interview_slot", "cancelled",
                                   "updated_at"),
                    [(r["item"], r["uid"], 0, "interview", event_id, r["id"], False, now) for r in rows])
    return rows


async def people_of(attendee_ids: set[int]) -> dict[int, dict[str, Any]]:
    """Name, phone, e-mail and language of the attendees (for their invitations)."""
    found: dict[int, dict[str, Any]] = {}
    ids = sorted(attendee_ids)
    for start in range(0, len(ids), 5000):
        for a in await Attendee.select(Attendee.id, Attendee.name, Attendee.phone, Attendee.email,
                                       Attendee.language).where(Attendee.id.is_in(ids[start:start + 5000])):
            found[a["id"]] = a
    return found


async def pair_parts(event: dict[str, Any], attendee_id: int, position_id: int) -> dict[str, int]:
    """The fit's parts for one attendee and one position of the event, from today's data."""
    rows = await Registration.raw(_REGISTRATIONS.replace("ORDER BY r.id", "AND r.attendee = {}"),
                                  event["id"], attendee_id)
    positions = await Registration.raw(_POSITIONS.replace("ORDER BY p.id", "AND p.id = {}"), event["id"], position_id)
    if not rows or not positions:
        return {}
    year = event["starts_at"].astimezone(ZoneInfo(event["timezone"])).year
    score = matching.fit(_candidate(rows[0], year, {}), _opening(positions[0]))
    return score.parts() if score else {}
