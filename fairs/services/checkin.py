"""The venue desk: a scanned or typed check-in code marks the person's arrival.

- **Once.** A registration moves ``registered → checked_in`` once (``core.states``), under its
  row lock (PostgreSQL; SQLite's IMMEDIATE transaction excludes other writers), so two desks
  scanning the same code at once make one check-in; the second, and every later scan, answers
  "already checked in at 09:12" with the first arrival's time and counts nothing.
- **Scope.** Organizers of the event's area: another area's event is 404, a code of another
  event's registration is 404 (the desk says "not for this fair"); a code that is not one (a
  typo, a forgery) is 422 on ``code``; a cancelled or waitlisted registration is 409.
- **The arrival's record** is on the registration, written with the status change:
  ``checked_in_at`` (the arrival), ``checked_in_by`` (the desk's account) and
  ``check_in_client_id`` (the desk's id for the scan, when it gave one).
- **Offline desks.** A desk that queued scans while offline syncs them (:func:`sync_scans`),
  each with the time it was scanned (``scanned_at``: the arrival time recorded) and its own id
  for the scan (``client_id``: echoed back); syncing a scan twice, or two desks syncing the same
  person, changes nothing after the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fairs.core import states
from fairs.core.checkin import read_checkin_code
from fairs.core.errors import Conflict, InvalidInput, NotFound
from fairs.db.tables import Event, Registration
from fairs.db.transactions import lock_rows, write_transaction
from fairs.services import scope, webhooks
from fairs.services.context import SYSTEM_CLOCK, Actor, Clock
from fairs.services.fairs_setup import require_organizer

DESK_EVENT_STATUSES = ("published", "closed")
MAX_CLIENT_ID = 100
MAX_SCAN_AGE = timedelta(days=2)
"""How long ago an offline scan may say it happened."""


@dataclass(frozen=True)
class CheckIn:
    registration_id: int
    event_id: int
    attendee_name: str
    checked_in_at: datetime | None
    """The first arrival (UTC); a repeated scan answers with it (``None``: checked in without
    a receipt, e.g. before receipts were kept)."""
    timezone: str
    """The event's zone, to show ``checked_in_at`` in."""
    already: bool
    """This scan found the person checked in before: nothing was counted."""
    client_id: str | None = None


async def check_in(actor: Actor, event_id: int, code: str, secret: str, clock: Clock = SYSTEM_CLOCK, *,
                   scanned_at: datetime | None = None, client_id: str | None = None) -> CheckIn:
    """Mark the arrival of the registration ``code`` names at ``event_id`` (see the module
    docstring for the answers). ``secret`` is the application's secret key (it signs codes)."""
    require_organizer(actor)
    now = clock.now()
    arrival = _arrival(scanned_at, now)
    if client_id is not None and not 1 <= len(client_id) <= MAX_CLIENT_ID:
        raise InvalidInput(f"must be 1 to {MAX_CLIENT_ID} characters", "client_id")
    registration_id = read_checkin_code(code, secret)
    async with write_transaction():
        event = await Event.select(Event.status, Event.timezone).where(
            Event.id == event_id, scope.writable(actor, Event.area)).first()
        if event is None:
            raise NotFound("no such event", field="event_id")
        if event["status"] not in DESK_EVENT_STATUSES:
            raise Conflict(f"the event is {event['status']}: nobody checks in", field="event_id",
                           code="event_not_open")
        await lock_rows(Registration, [registration_id])
        row = await Registration.select(Registration.status, Registration.checked_in_at, Registration.attendee,
                                        Registration.attendee.name.as_alias("name")).where(
            Registration.id == registration_id, Registration.event == event_id).first()
        if row is None:
            raise NotFound("this code is for another fair", field="code", code="other_event")
        found = CheckIn(registration_id, event_id, row["name"], arrival, event["timezone"], False, client_id)
        if row["status"] == "checked_in":
            return CheckIn(registration_id, event_id, row["name"], row["checked_in_at"], event["timezone"], True,
                           client_id)
        if row["status"] != "registered":
            raise Conflict(f"the registration is {row['status']}, not registered", field="code",
                           code="registration_not_active")
        states.move("registration", row["status"], "checked_in")
        await Registration.update({Registration.status: "checked_in", Registration.checked_in_at: arrival,
                                   Registration.checked_in_by: actor.account_id,
                                   Registration.check_in_client_id: client_id or ""}).where(
            Registration.id == registration_id)
        await webhooks.emit("checkin.created", registration_id, {
            "registration_id": registration_id, "event_id": event_id, "attendee_id": row["attendee"],
            "checked_in_at": arrival, "synced_offline": scanned_at is not None,
        }, fair_event_id=event_id, clock=clock)
    return found


def _arrival(scanned_at: datetime | None, now: datetime) -> datetime:
    if scanned_at is None:
        return now
    if scanned_at.tzinfo is None:
        raise InvalidInput("must carry a UTC offset", "scanned_at")
    if scanned_at > now + timedelta(minutes=5) or scanned_at < now - MAX_SCAN_AGE:
        raise InvalidInput("must be a time of the last two days, not in the future", "scanned_at")
    return scanned_at


async def desk_summary(actor: Actor, event_id: int, recent: int = 8) -> dict[str, Any]:
    """For the desk page: the event, how many have checked in of how many are expected
    (registered or checked in), and the latest arrivals (name, time), newest first."""
    require_organizer(actor)
    event = await Event.select(Event.id, Event.title, Event.status, Event.timezone, Event.starts_at).where(
        Event.id == event_id, scope.writable(actor, Event.area)).first()
    if event is None:
        raise NotFound("no such event", field="event_id")
    counts = {r["status"]: r["count"] for r in await Registration.raw(
        "SELECT status, count(*) AS count FROM registration WHERE event = {} AND status IN "
        "('registered', 'checked_in') GROUP BY status", event_id)}
    latest = await Registration.select(Registration.id, Registration.attendee.name.as_alias("name"),
                                       Registration.checked_in_at).where(
        Registration.event == event_id, Registration.status == "checked_in",
        Registration.checked_in_at.is_not_null()).order_by(Registration.checked_in_at, ascending=False).limit(recent)
    arrivals = [{"registration_id": r["id"], "name": r["name"], "at": r["checked_in_at"]} for r in latest]
    checked_in = int(counts.get("checked_in", 0))
    return {"event": event, "checked_in": checked_in, "expected": checked_in + int(counts.get("registered", 0)),
            "recent": arrivals}


MAX_SYNC = 500


@dataclass(frozen=True)
class Scan:
    """A scan an offline desk kept: the code, when it was scanned, the desk's id for it."""

    code: str
    scanned_at: datetime
    client_id: str


async def sync_scans(actor: Actor, event_id: int, scans: list[Scan], secret: str, clock: Clock = SYSTEM_CLOCK
                     ) -> list[dict[str, Any]]:
    """Check in what an offline desk queued, in the order scanned, each scan on its own (one
    bad code does not stop the rest). Each answer names the scan's ``client_id`` and says
    ``checked_in`` (counted now), ``already`` (counted before — by this desk's earlier sync
    or another desk) or ``refused`` with the field and reason."""
    require_organizer(actor)
    if len(scans) > MAX_SYNC:
        raise InvalidInput(f"at most {MAX_SYNC} scans at once", "scans")
    answers = []
    for scan in sorted(scans, key=lambda s: s.scanned_at):
        try:
            done = await check_in(actor, event_id, scan.code, secret, clock, scanned_at=scan.scanned_at,
                                  client_id=scan.client_id)
        except (InvalidInput, Conflict, NotFound) as error:
            if isinstance(error, NotFound) and error.field == "event_id":
                raise
            answers.append({"client_id": scan.client_id, "result": "refused", "field": error.field or "code",
                            "message": error.detail, "registration_id": None, "name": "",
                            "checked_in_at": None})
            continue
        answers.append({"client_id": scan.client_id, "result": "already" if done.already else "checked_in",
                        "field": None, "message": "", "registration_id": done.registration_id,
                        "name": done.attendee_name, "checked_in_at": done.checked_in_at})
    return answers
