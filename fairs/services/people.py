"""Attendees: what we keep about a person, and who may see their phone number."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fairs.core.contact import mask_mobile, normalize_mobile
from fairs.core.errors import Conflict, InvalidInput, NotFound
from fairs.core.matching import PRIORITY_GROUPS
from fairs.db.tables import Attendee
from fairs.db.transactions import write_transaction
from fairs.services.areas import area_for
from fairs.services.context import Actor, Clock
from fairs.services.scope import SCOPED_ROLES, readable_people, writable

CONSENT_VERSION = "2026-11"


@dataclass(frozen=True)
class AttendeeDetails:
    name: str
    phone: str
    consent: bool
    home_area_id: int
    email: str = ""
    skills: tuple[str, ...] = ()
    desired_industries: tuple[str, ...] = ()
    priority_groups: tuple[str, ...] = ()
    language: str = "zh"
    extra: dict[str, str] = field(default_factory=dict)


def validate_attendee(details: AttendeeDetails, prefix: str = "") -> str:
    """Check the details; return the normalised phone number. Raises InvalidInput."""
    if not details.name.strip():
        raise InvalidInput("must not be empty", f"{prefix}name")
    phone = normalize_mobile(details.phone, f"{prefix}phone")
    if not details.consent:
        raise InvalidInput(
            "the attendee must agree to the use of their data for this fair", f"{prefix}consent"
        )
    unknown = sorted(set(details.priority_groups) - PRIORITY_GROUPS)
    if unknown:
        raise InvalidInput(
            f"unknown group {unknown[0]!r}; known: {', '.join(sorted(PRIORITY_GROUPS))}",
            f"{prefix}priority_groups",
        )
    if details.language not in ("zh", "en"):
        raise InvalidInput("must be zh or en", f"{prefix}language")
    return phone


async def insert_attendee(details: AttendeeDetails, clock: Clock, prefix: str = "") -> int:
    phone = validate_attendee(details, prefix)
    await area_for(details.home_area_id, f"{prefix}home_area_id")
    if await Attendee.exists().where(Attendee.phone == phone):
        raise Conflict("an attendee with this phone number already exists", field=f"{prefix}phone",
                       code="attendee_exists")
    now = clock.now()
    row = Attendee(
        name=details.name.strip(),
        phone=phone,
        email=details.email,
        home_area=details.home_area_id,
        skills=list(details.skills),
        desired_industries=list(details.desired_industries),
        priority_groups=sorted(set(details.priority_groups)),
        language=details.language,
        consent_version=CONSENT_VERSION,
        consent_at=now,
        created_at=now,
    )
    await row.save()
    return int(row.id)


def shown_phone(phone: str, *, full: bool) -> str:
    """The phone number as a viewer may see it: whole, or masked (138****5678)."""
    return phone if full else mask_mobile(phone)


_COLUMNS = (Attendee.id, Attendee.name, Attendee.phone, Attendee.email, Attendee.home_area,
            Attendee.home_area.name.as_alias("home_area_name"), Attendee.skills, Attendee.desired_industries,
            Attendee.priority_groups, Attendee.language, Attendee.created_at)


def _people_query(actor: Actor, *, for_change: bool) -> Any:
    if actor.role not in SCOPED_ROLES:
        raise NotFound("no such attendee", field="attendee_id")
    query = Attendee.select(*_COLUMNS)
    if for_change:
        return query.where(writable(actor, Attendee.home_area))
    return query.where(readable_people(actor))


async def list_attendees(actor: Actor, after: int = 0, limit: int = 50, group: str | None = None,
                         phone: str | None = None) -> list[dict[str, Any]]:
    """People the organizer or staff may see, by id, one page after ``after``. Organizers see
    whole phone numbers; staff see them masked, except when they look a person up by the
    number they were told."""
    query = _people_query(actor, for_change=False).where(Attendee.id > after).order_by(Attendee.id).limit(limit)
    if group is not None:
        query = query.where(Attendee.priority_groups.any(group))
    if phone is not None:
        query = query.where(Attendee.phone == normalize_mobile(phone, "phone"))
    rows = await query
    return rows if phone is not None else [_phone_for(actor, row) for row in rows]


def _phone_for(actor: Actor, row: dict[str, Any]) -> dict[str, Any]:
    row["phone"] = shown_phone(row["phone"], full=actor.role == "organizer")
    return row


async def get_attendee(actor: Actor, attendee_id: int) -> dict[str, Any]:
    row = await _people_query(actor, for_change=False).where(Attendee.id == attendee_id).first()
    if row is None:
        raise NotFound("no such attendee", field="attendee_id")
    return _phone_for(actor, row)


async def change_attendee(actor: Actor, attendee_id: int, skills: tuple[str, ...] | None,
                          desired_industries: tuple[str, ...] | None, priority_groups: tuple[str, ...] | None,
                          home_area_id: int | None) -> dict[str, Any]:
    """Staff and organizers correct a person's profile, within their own area only (a
    department's city-wide read access does not allow changes)."""
    if priority_groups is not None:
        unknown = sorted(set(priority_groups) - PRIORITY_GROUPS)
        if unknown:
            raise InvalidInput(f"unknown group {unknown[0]!r}", "priority_groups")
    async with write_transaction():
        if await _people_query(actor, for_change=True).where(Attendee.id == attendee_id).first() is None:
            raise NotFound("no such attendee", field="attendee_id")
        changes: dict[Any, Any] = {}
        if skills is not None:
            changes[Attendee.skills] = list(skills)
        if desired_industries is not None:
            changes[Attendee.desired_industries] = list(desired_industries)
        if priority_groups is not None:
            changes[Attendee.priority_groups] = sorted(set(priority_groups))
        if home_area_id is not None:
            await area_for(home_area_id, "home_area_id")
            changes[Attendee.home_area] = home_area_id
        if changes:
            await Attendee.update(changes).where(Attendee.id == attendee_id)
    return await get_attendee(actor, attendee_id)
