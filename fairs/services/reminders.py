"""Reminders by SMS or e-mail the day before and two hours before each calendar item that
people attend (interviews now; village stops plug in the same way).

Times. An item starting at S has two reminders: ``day`` at S − 1 day and ``2h`` at S − 2 hours,
both instants in UTC. The text shows the local time in the event's time zone, in plain Chinese
("【就业服务】提醒：明天 09:30 您在 株洲市人才市场 有一场面试（某某公司，焊工），展位B12。"), or in
English when the person's language is ``en``. "今天"/"明天" are counted from the moment the
reminder is written, in the event's zone.

Jobs. Each reminder is one deferred arq job, ``send_reminder(uid, sequence, which)``, with the
deterministic id ``reminder:{uid}:{sequence}:{day|2h}``. A moved item has a higher SEQUENCE, so
its new reminders have new ids, and the old jobs find the sequence changed and do nothing; a
cancelled item's jobs find it cancelled and do nothing. The job re-reads the item (its row
locked) and writes ONE outbox row, keyed ``reminder:{uid}:{sequence}:{which}:{channel}``
(``email`` when the person has an e-mail address, else ``sms``), only if the item is still at
that sequence, not cancelled, not started, the person has not declined, and, for ``day``, it is
not yet within two hours of the start. The key makes a job run twice (arq runs jobs at least
once) write one message.

Planning. The cron job ``plan_reminders`` (every 10 minutes) enqueues, with ``_defer_until`` at
the reminder time, every reminder whose time falls in [now, now + PLAN_AHEAD] for items not
cancelled; enqueueing an id that is already queued (or whose result is kept) does nothing in
arq. Items months ahead are thus planned only once their reminder time enters the window
(cal.com once looked only 2 hours ahead and never sent its earlier reminders). A reminder whose
time has passed, whose item has not started and which was never sent (no outbox row with its
key) is enqueued to run at once: Redis without persistence loses queued jobs, the database
keeps the truth. A ``day`` reminder is never caught up in the last two hours before the start
(only the ``2h`` one is then). :func:`plan_item` does the same for one item at once: call it
after commit when an item is created or moved.

Kinds. Each kind of calendar item that gets reminders is a :class:`ReminderKind` in
:data:`KINDS`: a function listing the live items that start in a time range, and a function
returning one item's :class:`ReminderFacts` (when, where, what, who). Village stops add a
pair of functions and an entry; nothing else changes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fairs.core import states
from fairs.db.tables import CalendarItem, Outbox
from fairs.db.transactions import lock_rows, write_transaction
from fairs.services import outbox
from fairs.services.context import Clock
from fairs.services.queue import JobQueue

SEND_REMINDER = "send_reminder"
BEFORE = {"day": timedelta(days=1), "2h": timedelta(hours=2)}
"""How long before the start each reminder goes out, by its name in ids and keys."""
PLAN_AHEAD = timedelta(hours=26)
"""Reminders due within this much of now are enqueued (deferred); more than the cron interval,
so a cron run or two may be missed without a reminder being late."""
LAST_CALL = timedelta(hours=2)
"""No ``day`` reminder is written this close to the start: the ``2h`` one follows."""
EARLY = timedelta(minutes=5)
"""A job running more than this before its reminder time (clock skew aside) writes nothing."""
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


@dataclass(frozen=True)
class Person:
    """Who is reminded, and how to reach them (nothing more is read)."""

    phone: str
    email: str
    language: str


@dataclass(frozen=True)
class ReminderFacts:
    """What one item's reminder says and to whom, whatever the item's kind."""

    starts_at: datetime
    timezone: str
    place: str
    """Where, as people name it (the venue, the village)."""
    what_zh: str
    """What, after "您在 <place>": "有一场面试（某某公司，焊工）"."""
    what_en: str
    """What, after "you have": "an interview with X (welder)"."""
    detail_zh: str
    """Said last, may be empty: "展位B12"."""
    detail_en: str
    subject_zh: str
    subject_en: str
    person: Person
    declined: bool
    """The person said no, or the thing itself was called off: no reminder."""


@dataclass(frozen=True)
class PlannedItem:
    item_id: int
    uid: str
    sequence: int
    starts_at: datetime


@dataclass(frozen=True)
class ReminderKind:
    starting_between: Callable[[datetime, datetime], Awaitable[list[PlannedItem]]]
    """Items of the kind, not cancelled nor declined, starting in (after, until]."""
    facts: Callable[[int], Awaitable[ReminderFacts | None]]
    """One item's facts by calendar item id; None when the thing it stands for is gone."""


def job_id(uid: str, sequence: int, which: str) -> str:
    return f"reminder:{uid}:{sequence}:{which}"


def message_key(uid: str, sequence: int, which: str, channel: str) -> str:
    return f"reminder:{uid}:{sequence}:{which}:{channel}"


def may_send(which: str, starts_at: datetime, now: datetime) -> bool:
    """Whether reminder ``which`` may still be written at ``now``: the item has not started,
    and a ``day`` reminder is not within LAST_CALL of the start."""
    if which == "day":
        return now < starts_at - LAST_CALL
    return now < starts_at


def due_reminders(starts_at: datetime, now: datetime, sent: Collection[str] = ()) -> list[tuple[str, datetime | None]]:
    """The reminders of an item starting at ``starts_at`` to enqueue at ``now``: each with the
    time to defer it to, or None to run at once (a catch-up of one never ``sent``).
    Nothing for an item that has started."""
    due: list[tuple[str, datetime | None]] = []
    if starts_at <= now:
        return due
    for which, before in BEFORE.items():
        at = starts_at - before
        if now <= at <= now + PLAN_AHEAD:
            due.append((which, at))
        elif at < now and which not in sent and may_send(which, starts_at, now):
            due.append((which, None))
    return due


def reminder_text(facts: ReminderFacts, now: datetime) -> tuple[str, str]:
    """(subject, body) in the person's language, with the start in the event's zone."""
    zone = ZoneInfo(facts.timezone)
    start = facts.starts_at.astimezone(zone)
    days = (start.date() - now.astimezone(zone).date()).days
    clock_time = start.strftime("%H:%M")
    if facts.person.language == "en":
        day = {0: "today", 1: "tomorrow"}.get(days, f"on {start.day} {_MONTHS[start.month - 1]}")
        detail = f", {facts.detail_en}" if facts.detail_en else ""
        body = f"fairs reminder: {day} at {clock_time} you have {facts.what_en} at {facts.place}{detail}."
        return f"{facts.subject_en}: {day} at {clock_time}", body
    day = {0: "今天", 1: "明天", 2: "后天"}.get(days, f"{start.month}月{start.day}日")
    detail = f"，{facts.detail_zh}" if facts.detail_zh else ""
    body = f"【就业服务】提醒：{day} {clock_time} 您在 {facts.place} {facts.what_zh}{detail}。"
    return f"{facts.subject_zh}：{day} {clock_time}", body


async def send_reminder(uid: str, sequence: int, which: str, clock: Clock) -> str:
    """Write reminder ``which`` of item ``uid`` at ``sequence`` to the outbox if it is still
    wanted; returns what happened (no personal data): ``sent``, ``already_sent``, ``moved``,
    ``cancelled``, ``declined``, ``started``, ``too_late``, ``early`` or ``gone``."""
    if which not in BEFORE:
        return "gone"
    async with write_transaction():
        found = await CalendarItem.select(CalendarItem.id).where(CalendarItem.uid == uid).first()
        if found is None:
            return "gone"
        await lock_rows(CalendarItem, [found["id"]])  # a move waits until the reminder is written, or vice versa
        item = await CalendarItem.select().where(CalendarItem.id == found["id"]).first()
        assert item is not None
        if item["sequence"] != sequence:
            return "moved"
        if item["cancelled"]:
            return "cancelled"
        kind = KINDS.get(item["kind"])
        facts = await kind.facts(item["id"]) if kind else None
        if facts is None:
            return "gone"
        if facts.declined:
            return "declined"
        now = clock.now()
        if now >= facts.starts_at:
            return "started"
        if not may_send(which, facts.starts_at, now):
            return "too_late"
        if now < facts.starts_at - BEFORE[which] - EARLY:
            return "early"
        channel, recipient = ("email", facts.person.email) if facts.person.email else ("sms", facts.person.phone)
        subject, body = reminder_text(facts, now)
        queued = await outbox.queue_message(message_key(uid, sequence, which, channel), channel, recipient,
                                            subject if channel == "email" else "", body, clock)
    return "sent" if queued else "already_sent"


async def plan_reminders(queue: JobQueue, clock: Clock) -> dict[str, int]:
    """Enqueue every reminder due within PLAN_AHEAD (deferred to its time) and catch up the
    ones whose time has passed unsent. Returns how many of each were enqueued (arq ignores
    ids it already holds, so these count attempts, not new jobs)."""
    now = clock.now()
    items: list[PlannedItem] = []
    for kind in KINDS.values():
        items += await kind.starting_between(now, now + PLAN_AHEAD + BEFORE["day"])
    return await _enqueue(queue, items, now)


async def plan_item(item_id: int, queue: JobQueue, clock: Clock) -> dict[str, int]:
    """Plan one item's reminders now, as the cron job would (after it is created or moved;
    call after commit). A cancelled item, or one whose person declined, gets none."""
    item = await CalendarItem.select().where(CalendarItem.id == item_id).first()
    kind = KINDS.get(item["kind"]) if item else None
    if item is None or kind is None or item["cancelled"]:
        return {"planned": 0, "caught_up": 0}
    facts = await kind.facts(item_id)
    if facts is None or facts.declined:
        return {"planned": 0, "caught_up": 0}
    planned = PlannedItem(item_id, item["uid"], item["sequence"], facts.starts_at)
    return await _enqueue(queue, [planned], clock.now())


async def _enqueue(queue: JobQueue, items: Sequence[PlannedItem], now: datetime) -> dict[str, int]:
    sent = await _sent_reminders(items, now)
    counts = {"planned": 0, "caught_up": 0}
    for item in items:
        for which, at in due_reminders(item.starts_at, now, sent.get((item.uid, item.sequence), set())):
            await queue.enqueue(SEND_REMINDER, item.uid, item.sequence, which,
                                job_id=job_id(item.uid, item.sequence, which), defer_until=at)
            counts["planned" if at else "caught_up"] += 1
    return counts


async def _sent_reminders(items: Sequence[PlannedItem], now: datetime) -> dict[tuple[str, int], set[str]]:
    """Which reminders already have an outbox row, for the items with one past due (one query
    per 500 keys: the rest of the items need no look-up)."""
    keys: dict[str, tuple[str, int, str]] = {}
    for item in items:
        for which, before in BEFORE.items():
            if item.starts_at - before < now:
                for channel in ("email", "sms"):
                    keys[message_key(item.uid, item.sequence, which, channel)] = (item.uid, item.sequence, which)
    sent: dict[tuple[str, int], set[str]] = {}
    wanted = list(keys)
    for start in range(0, len(wanted), 500):
        for row in await Outbox.select(Outbox.idempotency_key).where(
                Outbox.idempotency_key.is_in(wanted[start:start + 500])):
            uid, sequence, which = keys[row["idempotency_key"]]
            sent.setdefault((uid, sequence), set()).add(which)
    return sent


# --- interviews ---------------------------------------------------------------------------

_SLOT = CalendarItem.interview_slot


async def interviews_starting_between(after: datetime, until: datetime) -> list[PlannedItem]:
    rows = await CalendarItem.select(
        CalendarItem.id, CalendarItem.uid, CalendarItem.sequence, _SLOT.starts_at.as_alias("starts_at"),
    ).where(
        CalendarItem.kind == "interview", CalendarItem.cancelled.eq(False),
        _SLOT.status.is_in(list(states.ACTIVE_INTERVIEW)), _SLOT.starts_at > after, _SLOT.starts_at <= until,
    ).order_by(_SLOT.starts_at).order_by(CalendarItem.id)
    return [PlannedItem(r["id"], r["uid"], r["sequence"], r["starts_at"]) for r in rows]


async def interview_facts(item_id: int) -> ReminderFacts | None:
    row: dict[str, Any] | None = await CalendarItem.select(
        _SLOT.starts_at.as_alias("starts_at"), _SLOT.status.as_alias("status"),
        _SLOT.event.timezone.as_alias("timezone"), _SLOT.event.title.as_alias("event_title"),
        _SLOT.event.venue.name.as_alias("venue_name"),
        _SLOT.organization.name.as_alias("organization_name"), _SLOT.position.title.as_alias("position_title"),
        _SLOT.booth_reservation.booth.code.as_alias("booth_code"),
        _SLOT.attendee.phone.as_alias("phone"),
        _SLOT.attendee.email.as_alias("email"), _SLOT.attendee.language.as_alias("language"),
    ).where(CalendarItem.id == item_id, CalendarItem.interview_slot.is_not_null()).first()
    if row is None or row["starts_at"] is None:
        return None
    booth = row["booth_code"] or ""
    organization, position = row["organization_name"], row["position_title"]
    return ReminderFacts(
        starts_at=row["starts_at"], timezone=row["timezone"], place=row["venue_name"] or row["event_title"],
        what_zh=f"有一场面试（{organization}，{position}）", what_en=f"an interview with {organization} ({position})",
        detail_zh=f"展位{booth}" if booth else "", detail_en=f"booth {booth}" if booth else "",
        subject_zh="面试提醒", subject_en="Interview reminder",
        person=Person(row["phone"], row["email"] or "", row["language"] or "zh"),
        declined=row["status"] not in states.ACTIVE_INTERVIEW,
    )


KINDS: dict[str, ReminderKind] = {
    "interview": ReminderKind(interviews_starting_between, interview_facts),
}
"""The calendar item kinds that get reminders, by ``calendar_item.kind``."""

