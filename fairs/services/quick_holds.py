"""The two answers a rush of booth holds mostly gets, given cheaply (see
:func:`fairs.services.booths.hold_booth`): "taken" from one plain read, "held" from three
statements without the booth's row lock. Everything else goes the careful way in
:mod:`fairs.services.booths`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fairs.db.constraints import ACTIVE_RESERVATION
from fairs.db.engine import is_sqlite
from fairs.db.statements import Statement
from fairs.db.tables import Booth, BoothReservation
from fairs.db.transactions import engine
from fairs.services.booth_notices import queue_notices, reservation_notice
from fairs.services.participation import holds_of

_LIVE = """(r.status = 'confirmed' OR (r.status = 'held' AND r.hold_expires_at > {}))"""
"""A reservation that keeps its booth: confirmed, or held and not yet expired."""

_TAKEN = f"""(EXISTS (SELECT 1 FROM booth_reservation r WHERE r.booth = b.id AND r.event = {{}} AND {_LIVE})
     OR EXISTS (SELECT 1 FROM booth_block k WHERE k.booth = b.id AND k.event = {{}}))"""
"""Whether booth ``b`` is taken for an event (arguments: event, now, event)."""

ALTERNATIVES = 5


def _free_booths(gate: str, zone: str) -> str:
    """The best free booths of the event's venue to offer instead of one of ``zone``: those of
    its zone first, then the others, in code order (arguments: event, event, now, event, how
    many), after those of ``gate``: a condition each one read meets."""
    return f"""
SELECT b.id, b.code, b.zone FROM booth b
WHERE {gate} AND b.venue = (SELECT venue FROM event WHERE id = {{}}) AND NOT {_TAKEN}
ORDER BY b.zone <> {zone}, b.zone, b.code
LIMIT {{}}"""


_FREE_BOOTHS = _free_booths("b.id <> {}", "{}")
"""Arguments: the booth they are instead of, event, event, now, event, its zone, how many."""

_FREE_WHEN_TAKEN = _free_booths("(SELECT taken FROM asked)", "(SELECT zone FROM asked)")

_BOOTH_SEEN_BY = f"""
WITH asked AS (
  SELECT b.id, b.code, b.zone, {_TAKEN} AS taken
  FROM booth b
  JOIN event e ON e.id = {{}} AND e.venue = b.venue AND e.status = 'published' AND e.booth_mode = 'direct'
  JOIN participation p ON p.event = e.id AND p.organization = {{}} AND p.status = 'approved'
  WHERE b.id = {{}})
SELECT * FROM (
  SELECT id, code, zone, TRUE AS asked, taken FROM asked
  UNION ALL
  SELECT id, code, zone, FALSE, FALSE FROM ({_FREE_WHEN_TAKEN}) free
) seen
ORDER BY asked DESC, zone <> (SELECT zone FROM asked), zone, code"""
"""The asked booth as an approved employer of a direct-booking event sees it and, only when
it is taken, the free booths to offer instead. A free booth needs none: skipping them keeps
the hold of a free booth in a hall of 1,000 from checking every booth."""


@dataclass(frozen=True)
class Seen:
    taken: bool
    zone: str
    alternatives: list[dict[str, Any]]
    """Only when :attr:`taken`: see :func:`free_booths` otherwise."""


_BOOTH_SEEN_BY_STATEMENT = Statement(BoothReservation, _BOOTH_SEEN_BY)


async def booth_seen_by(organization_id: int, event_id: int, booth_id: int, now: datetime) -> Seen | None:
    """Whether the booth is taken, and if so the free ones instead — one plain read, which
    answers a rush's refused holds with no lock and no transaction. ``None`` when the hold
    would be refused for another reason (the careful path then says which)."""
    rows = await _BOOTH_SEEN_BY_STATEMENT.rows(event_id, now, event_id, event_id, organization_id, booth_id,
                                               event_id, event_id, now, event_id, ALTERNATIVES)
    if not rows or not rows[0]["asked"]:
        return None
    asked = rows[0]
    return Seen(bool(asked["taken"]), asked["zone"], [{"id": r["id"], "code": r["code"], "zone": r["zone"]}
                                                        for r in rows[1:]])


_HOLD_FACTS = """
SELECT {locks} b.code AS booth_code, e.title, o.contact_email AS email
FROM participation p
JOIN event e ON e.id = p.event
JOIN organization o ON o.id = p.organization
JOIN booth b ON b.id = {{}} AND b.venue = e.venue
WHERE p.event = {{}} AND p.organization = {{}} AND p.status = 'approved'
  AND e.status = 'published' AND e.booth_mode = 'direct'"""
_HOLD_LOCKS = ("pg_advisory_xact_lock(hashtextextended({}, 0)), "
               "pg_try_advisory_xact_lock(hashtextextended({}, 0)) AS booth_is_ours,")
"""PostgreSQL: the organization's holds at the event are serialised (two at once cannot both
pass its limit: :func:`holds_of` names the lock), and the booth's lock is tried, not waited
for. Whoever has it decides the booth; a hold that finds it taken answers at once that
another employer is taking this booth (:data:`BUSY`, 409 with a retry hint and the free
booths instead) rather than queueing behind it: in a rush for one booth, every one of those
waits would end in "taken". The organizer blocking the booth (:func:`booth_lock`) waits for
the hold deciding it. Advisory locks, not row locks: a row lock writes to the row, and a rush
of refused holds would then each write and flush the WAL for nothing."""

BUSY: Any = object()
""":func:`quick_hold`'s answer when another hold is deciding the booth at this moment."""


def booth_lock(booth_id: int) -> str:
    """The lock name a new hold tries and blocking a booth waits for."""
    return f"booth:{booth_id}"


_INSERT_HOLD = f"""
INSERT INTO booth_reservation (booth, event, organization, status, hold_expires_at, interviewers, source,
                               created_at, confirmed_at, cancelled_at)
SELECT {{}}, {{}}, {{}}, 'held', {{}}, {{}}, 'hold', {{}}, NULL, NULL
WHERE NOT EXISTS (SELECT 1 FROM booth_block k WHERE k.event = {{}} AND k.booth = {{}})
  AND (SELECT count(*) FROM booth_reservation r WHERE r.event = {{}} AND r.organization = {{}}
       AND r.{ACTIVE_RESERVATION})
      < (SELECT booths_per_organization FROM event WHERE id = {{}})
ON CONFLICT (booth, event) WHERE {ACTIVE_RESERVATION} DO NOTHING
RETURNING id"""
"""Insert the hold unless the booth is blocked or the organization is at its limit; the
partial unique index decides between holds racing for one booth: the first insert wins and
the others, having waited only for that one transaction, insert nothing."""


_HOLD_FACTS_SQLITE = Statement(BoothReservation, _HOLD_FACTS.format(locks=""))
_HOLD_FACTS_LOCKED = Statement(BoothReservation, _HOLD_FACTS.format(locks=_HOLD_LOCKS))
_INSERT_HOLD_STATEMENT = Statement(BoothReservation, _INSERT_HOLD)


async def quick_hold(organization_id: int, event_id: int, booth_id: int, interviewers: int, expires: datetime,
                      now: datetime) -> dict[str, Any] | None:
    """The hold, :data:`BUSY` when another hold is deciding the booth, or ``None`` when it
    needs a closer look (refused, or the booth is taken)."""
    if is_sqlite(engine()):  # the IMMEDIATE transaction already excludes every other writer
        facts = await _HOLD_FACTS_SQLITE.rows(booth_id, event_id, organization_id)
    else:
        facts = await _HOLD_FACTS_LOCKED.rows(holds_of(event_id, organization_id), booth_lock(booth_id), booth_id,
                                              event_id, organization_id)
    if not facts:
        return None
    if not facts[0].get("booth_is_ours", True):  # SQLite: the IMMEDIATE transaction is ours alone
        return BUSY
    inserted = await _INSERT_HOLD_STATEMENT.rows(
        booth_id, event_id, organization_id, expires, interviewers, now,
        event_id, booth_id, event_id, organization_id, event_id)
    if not inserted:
        return None
    reservation_id = int(inserted[0]["id"])
    fact = facts[0]
    if fact["email"]:
        await queue_notices([reservation_notice(reservation_id, "held", fact["email"], fact["booth_code"],
                                                fact["title"], now)])
    return {"id": reservation_id, "booth": booth_id, "booth_code": fact["booth_code"], "event": event_id,
            "organization": organization_id, "status": "held", "hold_expires_at": expires,
            "interviewers": interviewers, "source": "hold", "created_at": now, "confirmed_at": None,
            "cancelled_at": None}


async def free_booths(event_id: int, now: datetime, zone: str, instead_of: int,
                      limit: int = ALTERNATIVES) -> list[dict[str, Any]]:
    """The best free booths to offer instead of booth ``instead_of`` (of ``zone``; it may be
    free still, when another hold is deciding it): those of its zone first, then others, in
    code order, in one query."""
    rows: list[dict[str, Any]] = await Booth.raw(_FREE_BOOTHS, instead_of, event_id, event_id, now, event_id, zone,
                                                 limit)
    return rows
