"""Personal calendar subscriptions: ``webcal://…/calendar/<token>.ics``, one per account.

The token is the credential. Only its SHA-256 is stored; issuing a new one revokes the live
one, revoking leaves none (unknown and revoked tokens are both "no such feed").

What a feed lists, by the owner's role:

- attendee: their interviews (any event) and the fairs they hold an active registration for;
- employer: their organization's booth reservations, and its interviews under a UID of their
  own (``employer-<item uid>``, so a calendar holding both copies never merges them), titled
  by position, with nothing about the candidate;
- organizer and staff: the fairs of their area.

A cancelled item stays (STATUS:CANCELLED) for :data:`CANCELLED_KEPT` after its last change,
then leaves the feed. Everything is loaded in a few set-based queries, never one per item.

The version of a feed (:func:`feed_version`) is a strong ETag worked out from one aggregate
query over the feed's items, without building the file: the items' count, the sum of their
ids, their latest ``updated_at`` and highest SEQUENCE, and the owner's name, mailbox and
language. The file's DTSTAMP is the latest ``updated_at`` too, so one version is one body.
It relies on the rule that every change of an item bumps its SEQUENCE and ``updated_at``.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from piccolo.querystring import QueryString
from redis.exceptions import RedisError

from fairs.core import ics
from fairs.core.errors import NotFound
from fairs.db.engine import read_snapshot
from fairs.db.tables import Account, CalendarFeed, CalendarItem
from fairs.db.transactions import lock_name, write_transaction
from fairs.services import scope
from fairs.services.context import Actor, Clock
from fairs.services.invitations import SETUP_BEFORE_OPENING, training_facts

CANCELLED_KEPT = timedelta(days=30)
"""How long a cancelled item stays in feeds (as cancelled) after its last change."""
FORMAT = "1"
"""Part of every feed version: bump it when the code writes feeds differently."""
ACTIVE_REGISTRATION = ("registered", "checked_in")
TOKEN_BYTES = 32
_MAX_TOKEN_LENGTH = 100
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- issuing and revoking ------------------------------------------------------------------


async def issue(actor: Actor, clock: Clock) -> tuple[str, datetime]:
    """A new token for the actor's feed (the live one, if any, is revoked in the same
    transaction). The token is returned once and never stored."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = clock.now()
    async with write_transaction():
        await lock_name(f"calendar-feed:{actor.account_id}")
        await CalendarFeed.update({CalendarFeed.revoked_at: now}).where(
            CalendarFeed.account == actor.account_id, CalendarFeed.revoked_at.is_null())
        await CalendarFeed.insert(CalendarFeed(account=actor.account_id, token_hash=token_hash(token),
                                               created_at=now))
    return token, now


async def revoke(actor: Actor, clock: Clock) -> None:
    async with write_transaction():
        await lock_name(f"calendar-feed:{actor.account_id}")
        revoked = await CalendarFeed.update({CalendarFeed.revoked_at: clock.now()}).where(
            CalendarFeed.account == actor.account_id, CalendarFeed.revoked_at.is_null()).returning(CalendarFeed.id)
    if not revoked:
        raise NotFound("you have no calendar feed", field="feed", code="no_calendar_feed")


async def live_since(actor: Actor) -> datetime | None:
    """When the actor's live feed was issued; ``None`` when there is none."""
    row = await CalendarFeed.select(CalendarFeed.created_at).where(
        CalendarFeed.account == actor.account_id, CalendarFeed.revoked_at.is_null()).first()
    return None if row is None else row["created_at"]


# --- whose feed ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedOwner:
    account_id: int
    role: str
    organization_id: int | None
    attendee_id: int | None
    area_path: str | None
    name: str
    email: str
    language: ics.Language

    @property
    def party(self) -> ics.CalendarParty:
        return ics.CalendarParty(name=self.name, email=self.email or None)


_OWNER_BY_TOKEN = """
SELECT a.id, a.role, a.organization, a.attendee, a.display_name, a.email, r.path AS area_path, p.language
FROM calendar_feed f
JOIN account a ON a.id = f.account
LEFT JOIN area r ON r.id = a.area
LEFT JOIN attendee p ON p.id = a.attendee
WHERE f.token_hash = {} AND f.revoked_at IS NULL AND a.active"""


async def owner_of(token: str) -> FeedOwner:
    """The account whose live feed ``token`` opens; :class:`NotFound` for an unknown, revoked
    or malformed token, or a disabled account. Looked up by the token's hash (an index), so
    the time taken says nothing about how close a guess was."""
    if not 0 < len(token) <= _MAX_TOKEN_LENGTH:
        raise NotFound("no such calendar feed", field="token")
    rows = await CalendarFeed.raw(_OWNER_BY_TOKEN, token_hash(token))
    if not rows:
        raise NotFound("no such calendar feed", field="token")
    row = rows[0]
    return FeedOwner(
        account_id=int(row["id"]), role=row["role"], organization_id=row["organization"],
        attendee_id=row["attendee"], area_path=row["area_path"], name=row["display_name"] or "",
        email=row["email"] or "", language="en" if row["language"] == "en" else "zh",
    )


# --- which items ---------------------------------------------------------------------------
#
# Every feed request runs these, so they are written out once rather than built each time
# (following foreign keys in Piccolo copies columns, which cost more than the queries). The
# kinds are queried apart, never OR-ed: an OR of two ``IN (subquery)`` conditions makes
# PostgreSQL scan every calendar item instead of looking the owner's up in the indexes. The
# owner's interviews and booths are found by equality on the joined row, not ``IN
# (subquery)``: with eight joined tables a semi-join is planned last, after joining them all.

_KEPT = "(NOT c.cancelled OR c.updated_at >= {})"
"""Live items, and cancelled ones changed since the cut-off."""
_JOINED = {
    "interview": "calendar_item c JOIN interview_slot s ON s.id = c.interview_slot",
    "fair_event": "calendar_item c",
    "booth_reservation": "calendar_item c JOIN booth_reservation r ON r.id = c.booth_reservation",
    "training": "calendar_item c JOIN training_enrollment t ON t.id = c.training_enrollment",
}
"""Each kind's items with what says whose they are (the owner's conditions name ``s``, ``r``)."""

_ITEM = "c.id, c.uid, c.sequence, c.cancelled, c.updated_at"
_LOAD = {
    "interview": f"""
SELECT {_ITEM}, s.starts_at, s.ends_at, s.status, e.title AS event_title, e.online_url, e.timezone,
       v.name AS venue_name, v.address AS venue_address, o.name AS organization_name, p.title AS position_title,
       b.code AS booth_code
FROM {_JOINED["interview"]}
JOIN event e ON e.id = s.event
JOIN organization o ON o.id = s.organization
JOIN position p ON p.id = s.position
LEFT JOIN venue v ON v.id = e.venue
LEFT JOIN booth_reservation r ON r.id = s.booth_reservation
LEFT JOIN booth b ON b.id = r.booth
WHERE""",
    "fair_event": f"""
SELECT {_ITEM}, e.starts_at, e.ends_at, e.timezone, e.title, e.status, e.online_url,
       v.name AS venue_name, v.address AS venue_address
FROM {_JOINED["fair_event"]}
JOIN event e ON e.id = c.event
LEFT JOIN venue v ON v.id = e.venue
WHERE""",
    "booth_reservation": f"""
SELECT {_ITEM}, r.status, b.code AS booth_code, e.starts_at, e.ends_at, e.timezone, e.title AS event_title,
       v.name AS venue_name, v.address AS venue_address, o.name AS organization_name
FROM {_JOINED["booth_reservation"]}
JOIN booth b ON b.id = r.booth
JOIN event e ON e.id = r.event
JOIN organization o ON o.id = r.organization
LEFT JOIN venue v ON v.id = e.venue
WHERE""",
}
_LOAD["training"] = f"""
SELECT {_ITEM}, k.title, k.timezone, k.first_session_starts_at, k.first_session_ends_at, k.days, k.skipped_days,
       k.online_url, k.status, v.name AS venue_name, v.address AS venue_address
FROM {_JOINED["training"]}
JOIN training_cohort k ON k.id = t.cohort
LEFT JOIN venue v ON v.id = k.venue
WHERE"""
_VERSION = """
SELECT count(*) AS count, sum(id) AS ids, max(updated_at) AS updated, max(sequence) AS sequence
FROM ({}) AS items"""


_REGISTERED_EVENTS = ("c.event IN (SELECT event FROM registration WHERE attendee = {} AND status IN ("
                      + ", ".join(f"'{status}'" for status in ACTIVE_REGISTRATION) + "))")
"""Written out: every poll of an attendee's feed runs it, and building it with Piccolo costs
more than running it."""


def _kinds(owner: FeedOwner) -> dict[str, QueryString]:
    """For each kind of item the owner has, the condition that makes an item of that kind
    theirs: their interviews and the fairs they are registered for; their organization's
    interviews and booths; the fairs of their area."""
    if owner.role == "attendee" and owner.attendee_id is not None:
        return {"interview": QueryString("s.attendee = {}", owner.attendee_id),
                "fair_event": QueryString(_REGISTERED_EVENTS, owner.attendee_id),
                "training": QueryString("t.attendee = {}", owner.attendee_id)}
    if owner.role == "employer" and owner.organization_id is not None:
        return {"interview": QueryString("s.organization = {}", owner.organization_id),
                "booth_reservation": QueryString("r.organization = {}", owner.organization_id)}
    if owner.role in scope.SCOPED_ROLES and owner.area_path:
        area = scope.events_of_area(Actor(owner.account_id, owner.role, area_path=owner.area_path))
        return {"fair_event": QueryString("c.event IN ({})", area.querystrings[0])}
    return {}


def _shown(kind: str, theirs: QueryString, now: datetime) -> QueryString:
    """The owner's items of ``kind`` that belong in the feed now, as a condition on
    ``_JOINED[kind]``."""
    return QueryString(f"c.kind = '{kind}' AND {{}} AND {_KEPT}", theirs, now - CANCELLED_KEPT)


async def feed_version(owner: FeedOwner, organizer_mailbox: str, now: datetime) -> str:
    """The strong ETag of the owner's feed (quoted), from one aggregate query."""
    kinds = [QueryString(f"SELECT c.id, c.updated_at, c.sequence FROM {_JOINED[kind]} WHERE {{}}",
                         _shown(kind, theirs, now)) for kind, theirs in _kinds(owner).items()]
    totals: tuple[Any, ...] = (0, None, None, None)
    if kinds:
        union = QueryString(" UNION ALL ".join(["{}"] * len(kinds)), *kinds)
        row = (await CalendarItem.raw(_VERSION, union))[0]
        totals = (row["count"], row["ids"], row["updated"], row["sequence"])
    parts = (FORMAT, owner.account_id, owner.role, owner.name, owner.email, owner.language, organizer_mailbox,
             *totals)
    return '"' + hashlib.sha256(repr(parts).encode()).hexdigest()[:40] + '"'


async def file_of(actor: Actor, organizer_mailbox: str, now: datetime, language: ics.Language = "zh") -> bytes:
    """The actor's own feed as a one-off download (no subscription needed): the items and file
    their feed would give, in ``language``."""
    account = await Account.select(Account.display_name, Account.email).where(Account.id == actor.account_id).first()
    if account is None:
        raise NotFound("no such account", field="account")
    owner = FeedOwner(account_id=actor.account_id, role=actor.role, organization_id=actor.organization_id,
                      attendee_id=actor.attendee_id, area_path=actor.area_path, name=account["display_name"] or "",
                      email=account["email"] or "", language=language)
    async with read_snapshot(CalendarFeed._meta.db):
        rows = await _rows(owner, now)
    return feed_file(owner, rows, organizer_mailbox)


# --- the file ------------------------------------------------------------------------------


FILE_KEPT_SECONDS = 3600
"""How long a built feed file is kept in Redis under its version."""


async def read_feed(token: str, organizer_mailbox: str, now: datetime,
                    unchanged: Callable[[str], bool], redis: Any = None) -> tuple[str, bytes | None]:
    """The version of the feed ``token`` opens and its file, or ``None`` for the file when
    ``unchanged(version)`` (the caller holds it already: two small queries, nothing built).
    :class:`NotFound` when no live feed has this token.

    A built file is kept in Redis (when given) under its version — the strong ETag, a hash of
    everything the file is made of — so clients polling without ``If-None-Match`` (or several
    devices of one person) get the same bytes without a rebuild; any change makes a new
    version, so a kept file is never stale."""
    async with read_snapshot(CalendarFeed._meta.db):
        owner = await owner_of(token)
        version = await feed_version(owner, organizer_mailbox, now)
        if unchanged(version):
            return version, None
        kept = await _kept_file(redis, version)
        if kept is not None:
            return version, kept
        rows = await _rows(owner, now)
    body = feed_file(owner, rows, organizer_mailbox)
    await _keep_file(redis, version, body)
    return version, body


def _file_key(version: str) -> str:
    return f"fairs:feed-file:{version.strip(chr(34))}"


async def _kept_file(redis: Any, version: str) -> bytes | None:
    if redis is None:
        return None
    try:
        kept: bytes | None = await redis.get(_file_key(version))
    except (RedisError, OSError):
        return None
    return kept


async def _keep_file(redis: Any, version: str, body: bytes) -> None:
    if redis is None:
        return
    with contextlib.suppress(RedisError, OSError):
        await redis.set(_file_key(version), body, ex=FILE_KEPT_SECONDS)


async def _rows(owner: FeedOwner, now: datetime) -> dict[str, list[dict[str, Any]]]:
    """The rows of the owner's items, by kind: one query per kind the role has."""
    return {kind: await CalendarItem.raw(_LOAD[kind] + " {}", _shown(kind, theirs, now))
            for kind, theirs in _kinds(owner).items()}


def feed_file(owner: FeedOwner, rows: dict[str, list[dict[str, Any]]], organizer_mailbox: str) -> bytes:
    """The owner's feed as one calendar (no METHOD) in their language, entries in time order.
    DTSTAMP is the latest change of any item, so the same items give the same bytes."""
    organizer = ics.CalendarParty(name="fairs", email=organizer_mailbox)
    entries: list[tuple[datetime, ics.CalendarEntry]] = []
    for row in rows.get("interview", ()):
        if owner.role == "employer":
            entry = _employer_interview(row, organizer, owner)
        else:
            entry = ics.interview_entry(_interview_facts(row, organizer, owner.party), owner.language)
        entries.append((row["starts_at"], entry))
    recipient = owner.party if owner.role == "attendee" else None
    for row in rows.get("fair_event", ()):
        entries.append((row["starts_at"], ics.fair_event_entry(_fair_facts(row, organizer, recipient),
                                                               owner.language)))
    for row in rows.get("booth_reservation", ()):
        facts = _booth_facts(row, organizer, owner.party)
        entries.append((facts.setup_starts_at, ics.booth_reservation_entry(facts, owner.language)))
    for row in rows.get("training", ()):
        entries.append((row["first_session_starts_at"],
                        ics.training_cohort_entry(training_facts(
                            row, row["uid"], row["sequence"], organizer, owner.party,
                            bool(row["cancelled"]) or row["status"] == "cancelled"), owner.language)))
    entries.sort(key=lambda pair: (pair[0], pair[1].uid))
    stamped_at = max((row["updated_at"] for kind in rows.values() for row in kind), default=_EPOCH)
    name = "My job fair calendar" if owner.language == "en" else "我的招聘会日程"
    return ics.build_feed([entry for _, entry in entries], stamped_at=stamped_at, name=name)


def _interview_facts(row: dict[str, Any], organizer: ics.CalendarParty,
                     recipient: ics.CalendarParty) -> ics.InterviewFacts:
    return ics.InterviewFacts(
        uid=row["uid"], sequence=row["sequence"], starts_at=row["starts_at"], ends_at=row["ends_at"],
        timezone=row["timezone"], event_title=row["event_title"], organization_name=row["organization_name"],
        position_title=row["position_title"], booth_code=row["booth_code"], venue_name=row["venue_name"] or "",
        venue_address=row["venue_address"] or "", organizer=organizer, recipient=recipient,
        meeting_url=row["online_url"] or None,
        cancelled=bool(row["cancelled"]) or row["status"] in ("cancelled", "declined"),
    )


def _fair_facts(row: dict[str, Any], organizer: ics.CalendarParty,
                recipient: ics.CalendarParty | None) -> ics.FairEventFacts:
    return ics.FairEventFacts(
        uid=row["uid"], sequence=row["sequence"], starts_at=row["starts_at"], ends_at=row["ends_at"],
        timezone=row["timezone"], title=row["title"], venue_name=row["venue_name"],
        venue_address=row["venue_address"], online_url=row["online_url"] or None, organizer=organizer,
        cancelled=bool(row["cancelled"]) or row["status"] == "cancelled", recipient=recipient,
    )


def _booth_facts(row: dict[str, Any], organizer: ics.CalendarParty,
                 recipient: ics.CalendarParty) -> ics.BoothReservationFacts:
    return ics.BoothReservationFacts(
        uid=row["uid"], sequence=row["sequence"], timezone=row["timezone"], event_title=row["event_title"],
        organization_name=row["organization_name"], booth_code=row["booth_code"],
        venue_name=row["venue_name"] or "", venue_address=row["venue_address"] or "",
        setup_starts_at=row["starts_at"] - SETUP_BEFORE_OPENING, opens_at=row["starts_at"], closes_at=row["ends_at"],
        organizer=organizer, recipient=recipient, cancelled=bool(row["cancelled"]) or row["status"] == "cancelled",
    )


def employer_uid(uid: str) -> str:
    """The employer's copy of an interview item: a UID of its own, derived from the item's."""
    return f"employer-{uid}"


def _employer_interview(row: dict[str, Any], organizer: ics.CalendarParty, owner: FeedOwner) -> ics.CalendarEntry:
    """An interview as its employer sees it in a feed: by position, without the candidate.

    Built by the core builder (times, place, cancellation, checks), then given the employer's
    UID, title and description: the attendee's copy tells the attendee what to bring."""
    facts = _interview_facts(row, organizer, owner.party)
    entry = ics.interview_entry(facts, owner.language)
    en = owner.language == "en"
    summary = f"{'Interview' if en else '面试'} · {facts.position_title}"
    lines: Sequence[str] = (
        facts.event_title,
        f"Position: {facts.position_title}" if en else f"岗位：{facts.position_title}",
        entry.location and (f"Place: {entry.location}" if en else f"地点：{entry.location}"),
        "The candidate is listed in fairs." if en else "应聘者信息请登录系统查看。",
    )
    if facts.cancelled:
        summary = ("Cancelled: " if en else "已取消：") + summary
        lines = ("This interview has been cancelled." if en else "此面试已取消。", *lines)
    return replace(entry, uid=employer_uid(facts.uid), summary=summary,
                   description="\n".join(line for line in lines if line))

