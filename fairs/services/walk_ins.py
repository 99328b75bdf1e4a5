"""The walk-in queue at busy booths (现场排号): someone without an interview slot takes a
number at the booth (scanning its QR code) or at the desk; when the employer calls the next
number, the people a few places behind get a text to come back to the booth; the employer sees
booked interviews and walk-ins in one list.

Numbers count 1, 2, 3… per booth (employer and event), under a lock on that queue, so two
people taking a number at once never get the same one (the unique index
``walk_in_number_once`` refuses it anyway). A person holds at most one live number per booth:
asking again gives the number they have.
"""

from __future__ import annotations

from typing import Any

from fairs.core.contact import normalize_mobile
from fairs.core.errors import Conflict, InvalidInput, NotFound
from fairs.db.tables import Attendee, BoothReservation, Event, Organization, WalkIn
from fairs.db.transactions import lock_name, write_transaction
from fairs.services import scope
from fairs.services.context import SYSTEM_CLOCK, Actor, Clock
from fairs.services.interviews import list_interviews
from fairs.services.outbox import queue_message

NEAR = 3
"""People this many places or fewer from the front get a text when a number is called."""
LIVE = ("waiting", "called")


async def take_number(actor: Actor, event_id: int, organization_id: int, name: str = "", phone: str = "",
                      clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    """An attendee takes a number for themselves; desk staff or an organizer for someone
    (name and phone, for the text)."""
    attendee_id: int | None = None
    if actor.role == "attendee":
        attendee_id = actor.attendee_id
        person = await Attendee.select(Attendee.name, Attendee.phone).where(Attendee.id == attendee_id).first()
        assert person is not None
        name, phone = person["name"], person["phone"]
    elif actor.role in ("staff", "organizer"):
        if not name.strip():
            raise InvalidInput("must not be empty", "name")
        phone = normalize_mobile(phone, "phone") if phone.strip() else ""
    else:
        raise NotFound("no such event", field="event_id")
    now = clock.now()
    async with write_transaction():
        event = await Event.select(Event.status, Event.ends_at, Event.area).where(Event.id == event_id).first()
        if event is None or event["status"] != "published":
            raise NotFound("no such event", field="event_id")
        if actor.role == "organizer" and not await Event.exists().where(
                Event.id == event_id, scope.writable(actor, Event.area)):
            raise NotFound("no such event", field="event_id")
        if event["ends_at"] <= now:
            raise Conflict("the fair is over", field="event_id", code="event_over")
        if not await BoothReservation.exists().where(BoothReservation.event == event_id,
                                                     BoothReservation.organization == organization_id,
                                                     BoothReservation.status == "confirmed"):
            raise InvalidInput("this employer has no booth at the fair", "organization_id")
        await lock_name(f"walk-in:{event_id}:{organization_id}")
        if attendee_id is not None or phone:
            mine = await WalkIn.select(WalkIn.id).where(
                WalkIn.event == event_id, WalkIn.organization == organization_id, WalkIn.status.is_in(list(LIVE)),
                (WalkIn.attendee == attendee_id) if attendee_id is not None else (WalkIn.phone == phone)).first()
            if mine is not None:
                return await _shown(mine["id"])
        last = await WalkIn.select(WalkIn.number).where(WalkIn.event == event_id,
                                                        WalkIn.organization == organization_id).order_by(
            WalkIn.number, ascending=False).first()
        row = WalkIn(event=event_id, organization=organization_id, attendee=attendee_id, name=name.strip()[:100],
                     phone=phone, number=(last["number"] if last else 0) + 1, status="waiting", created_at=now)
        await row.save()
    return await _shown(int(row.id))


async def _shown(walk_in_id: int) -> dict[str, Any]:
    row = await WalkIn.select(WalkIn.id, WalkIn.event, WalkIn.organization, WalkIn.number, WalkIn.status,
                              WalkIn.organization.name.as_alias("organization_name"), WalkIn.created_at).where(
        WalkIn.id == walk_in_id).first()
    assert row is not None
    row["ahead"] = await WalkIn.count().where(
        WalkIn.event == row["event"], WalkIn.organization == row["organization"], WalkIn.status == "waiting",
        WalkIn.number < row["number"])
    return row


async def booth_list(actor: Actor, event_id: int) -> dict[str, Any]:
    """The employer's day at one fair: booked interviews and walk-ins in one list (the
    walk-ins' phones masked: the employer calls them at the booth)."""
    organization = _employer(actor)
    booked = await list_interviews(actor, event_id, via="booth_list")
    walk_ins = await WalkIn.select(WalkIn.id, WalkIn.number, WalkIn.name, WalkIn.status, WalkIn.called_at,
                                   WalkIn.created_at).where(
        WalkIn.event == event_id, WalkIn.organization == organization).order_by(WalkIn.number)
    rows = [{"kind": "interview", "id": i["id"], "at": i["starts_at"], "name": i["attendee_name"],
             "status": i["status"], "position": i["position_title"], "number": None} for i in booked]
    rows += [{"kind": "walk_in", "id": w["id"], "at": w["created_at"], "name": w["name"] or "—",
              "status": w["status"], "position": None, "number": w["number"]} for w in walk_ins]
    return {"event_id": event_id, "waiting": sum(1 for w in walk_ins if w["status"] == "waiting"), "rows": rows}


def _employer(actor: Actor) -> int:
    if actor.role != "employer" or actor.organization_id is None:
        raise NotFound("no such event", field="event_id")
    return actor.organization_id


async def call_next(actor: Actor, event_id: int, clock: Clock = SYSTEM_CLOCK) -> dict[str, Any] | None:
    """Call the next waiting number; the next ``NEAR`` people not yet told get a text."""
    organization = _employer(actor)
    now = clock.now()
    async with write_transaction():
        await lock_name(f"walk-in:{event_id}:{organization}")
        waiting = await WalkIn.select(WalkIn.id, WalkIn.number, WalkIn.phone, WalkIn.notified_at).where(
            WalkIn.event == event_id, WalkIn.organization == organization, WalkIn.status == "waiting").order_by(
            WalkIn.number).limit(NEAR + 1)
        if not waiting:
            return None
        called = waiting[0]
        await WalkIn.update({WalkIn.status: "called", WalkIn.called_at: now}).where(WalkIn.id == called["id"])
        org = await Organization.select(Organization.name).where(Organization.id == organization).first()
        assert org is not None
        if called["phone"]:
            text = f"【就业服务】{org['name']}展位已叫到您的号（{called['number']}号），请到展位面试。"
            await queue_message(f"walk-in:{called['id']}:called:sms", "sms", called["phone"], "", text, clock)
        for place, row in enumerate(waiting[1:], start=1):
            if row["notified_at"] is not None or not row["phone"]:
                continue
            await queue_message(f"walk-in:{row['id']}:near:sms", "sms", row["phone"], "",
                                f"【就业服务】{org['name']}展位前面还有 {place} 人，请回到展位附近等候"
                                f"（{row['number']}号）。", clock)
            await WalkIn.update({WalkIn.notified_at: now}).where(WalkIn.id == row["id"])
    return await _shown(called["id"])


async def finish(actor: Actor, walk_in_id: int, status: str, clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    """The employer marks a number served, or gone (left)."""
    organization = _employer(actor)
    if status not in ("served", "left"):
        raise InvalidInput("must be served or left", "status")
    async with write_transaction():
        done = await WalkIn.update({WalkIn.status: status}).where(
            WalkIn.id == walk_in_id, WalkIn.organization == organization, WalkIn.status.is_in(list(LIVE))).returning(
            WalkIn.id)
        if not done:
            if await WalkIn.exists().where(WalkIn.id == walk_in_id, WalkIn.organization == organization):
                raise Conflict("this number is already done", field="walk_in_id", code="walk_in_done")
            raise NotFound("no such queue number", field="walk_in_id")
    return await _shown(walk_in_id)
