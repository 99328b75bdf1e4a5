"""What a matching run reads, in bulk.

A festival has 100,000 registrations, so the run reads with a handful of set-based queries,
which also bring what its invitations need (names, booth codes, phone numbers): the writing
(:mod:`fairs.services.matching_writes`) then reads nothing.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from fairs.core import matching, states
from fairs.core.slots import TimeSlot, interview_slots, overlaps
from fairs.db.tables import InterviewSlot, MatchOverride, Registration
from fairs.db.transactions import fetch_rows

_ACTIVE_REGISTRATION = "('registered', 'checked_in')"
_ACTIVE_INTERVIEW = "('proposed', 'accepted')"

_REGISTRATIONS = f"""
SELECT r.id, r.attendee, r.ranked_organizations, r.available_blocks, a.skills, a.desired_industries,
       a.priority_groups, a.birth_year, a.certificates, a.max_commute_km, a.needs_food_lodging,
       a.wants_part_time, h.latitude, h.longitude, a.phone, a.email, a.language
FROM registration r
JOIN attendee a ON a.id = r.attendee
LEFT JOIN area h ON h.id = a.home_area
WHERE r.event = {{}} AND r.status IN {_ACTIVE_REGISTRATION}
ORDER BY r.id"""

_EMPLOYERS = """
SELECT br.id, br.organization, br.interviewers, p.available_blocks, o.name AS organization_name, b.code AS booth_code
FROM booth_reservation br
JOIN organization o ON o.id = br.organization
JOIN booth b ON b.id = br.booth
LEFT JOIN participation p ON p.event = br.event AND p.organization = br.organization
WHERE br.event = {} AND br.status = 'confirmed'
ORDER BY br.id"""

_POSITIONS = """
SELECT p.id, p.organization, p.title, p.industry, p.skills, p.accepts_older_workers, p.min_age, p.max_age,
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
class Contact:
    phone: str
    email: str
    language: str


@dataclass
class Loaded:
    problem: matching.MatchingInput
    grid: list[TimeSlot]
    booth_of: dict[int, int]
    """organization id → the reservation its interviews are held at (its first booth)."""
    booth_code_of: dict[int, str]
    """organization id → the code of that booth."""
    organization_names: dict[int, str]
    position_titles: dict[int, str]
    contacts: dict[int, Contact]
    """attendee id → where the invitations go (read with the registrations: no second pass)."""


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

    registrations = await fetch_rows(Registration, _REGISTRATIONS, event_id)
    candidates = [_candidate(r, year, block_index) for r in registrations]
    contacts = {r["attendee"]: Contact(r["phone"] or "", r["email"] or "", r["language"] or "zh")
                for r in registrations}
    interviewers: dict[int, int] = defaultdict(int)
    booth_of: dict[int, int] = {}
    booth_code_of: dict[int, str] = {}
    names: dict[int, str] = {}
    organization_blocks: dict[int, frozenset[int]] = {}
    for r in await Registration.raw(_EMPLOYERS, event_id):
        interviewers[r["organization"]] += r["interviewers"]
        if r["organization"] not in booth_of:
            booth_of[r["organization"]], booth_code_of[r["organization"]] = r["id"], r["booth_code"]
        names[r["organization"]] = r["organization_name"]
        chosen = _blocks_of(r["available_blocks"], block_index)
        if chosen is not None:
            organization_blocks[r["organization"]] = chosen
    positions = await Registration.raw(_POSITIONS, event_id)
    openings = [_opening(p) for p in positions]
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
    return Loaded(problem, grid, booth_of, booth_code_of, names, {p["id"]: p["title"] for p in positions}, contacts)


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
