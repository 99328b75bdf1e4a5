"""Attendees: what we keep about a person, and who may see their phone number."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from fairs.core.contact import mask_mobile, normalize_mobile
from fairs.core.errors import Conflict, InvalidInput, NotFound
from fairs.core.matching import PRIORITY_GROUPS
from fairs.db.tables import Attendee
from fairs.db.transactions import write_transaction
from fairs.services.areas import area_for
from fairs.services.context import SYSTEM_CLOCK, Actor, Clock
from fairs.services.scope import SCOPED_ROLES, readable_people, writable

CONSENT_VERSION = "2026-11"
EARLIEST_BIRTH_YEAR = 1930
YOUNGEST_AGE = 14
"""Nobody born later than 14 years before this year is taken as a job seeker."""
MAX_COMMUTE_KM = 500
MAX_CERTIFICATES = 20


class Keep(enum.Enum):
    """A change leaves this field as it is (where ``None`` is a value of its own)."""

    KEEP = "keep"


KEEP: Final = Keep.KEEP


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
    birth_year: int | None = None
    certificates: tuple[str, ...] = ()
    max_commute_km: int | None = None
    needs_food_lodging: bool = False
    wants_part_time: bool = False


def certificate_tags(values: Sequence[str], field: str) -> list[str]:
    """Certificates as stored (attendees hold them, positions require them; matching compares
    them exactly): trimmed, each once, in the order given, at most MAX_CERTIFICATES."""
    tags: list[str] = []
    for i, value in enumerate(values):
        tag = value.strip()
        if not tag:
            raise InvalidInput("must not be empty", f"{field}[{i}]")
        if len(tag) > 64:
            raise InvalidInput("must be at most 64 characters", f"{field}[{i}]")
        if tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_CERTIFICATES:
        raise InvalidInput(f"at most {MAX_CERTIFICATES} certificates", field)
    return tags


def check_birth_year(year: int | None, clock: Clock, field: str) -> None:
    latest = clock.now().year - YOUNGEST_AGE
    if year is not None and not EARLIEST_BIRTH_YEAR <= year <= latest:
        raise InvalidInput(f"must be between {EARLIEST_BIRTH_YEAR} and {latest}", field)


def check_commute(km: int | None, field: str) -> None:
    if km is not None and not 0 <= km <= MAX_COMMUTE_KM:
        raise InvalidInput(f"must be between 0 and {MAX_COMMUTE_KM} (km)", field)


def validate_attendee(details: AttendeeDetails, prefix: str = "", clock: Clock = SYSTEM_CLOCK) -> str:
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
    check_birth_year(details.birth_year, clock, f"{prefix}birth_year")
    certificate_tags(details.certificates, f"{prefix}certificates")
    check_commute(details.max_commute_km, f"{prefix}max_commute_km")
    return phone


async def insert_attendee(details: AttendeeDetails, clock: Clock, prefix: str = "") -> int:
    phone = validate_attendee(details, prefix, clock)
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
        birth_year=details.birth_year,
        certificates=certificate_tags(details.certificates, f"{prefix}certificates"),
        max_commute_km=details.max_commute_km,
        needs_food_lodging=details.needs_food_lodging,
        wants_part_time=details.wants_part_time,
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
            Attendee.priority_groups, Attendee.language, Attendee.created_at, Attendee.birth_year,
            Attendee.certificates, Attendee.max_commute_km, Attendee.needs_food_lodging, Attendee.wants_part_time)


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
                          home_area_id: int | None, *, birth_year: int | None | Keep = KEEP,
                          certificates: tuple[str, ...] | None = None, max_commute_km: int | None | Keep = KEEP,
                          needs_food_lodging: bool | None = None, wants_part_time: bool | None = None,
                          clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    """Staff and organizers correct a person's profile, within their own area only (a
    department's city-wide read access does not allow changes). ``None`` (``KEEP`` where
    ``None`` means something) leaves a field as it is."""
    if priority_groups is not None:
        unknown = sorted(set(priority_groups) - PRIORITY_GROUPS)
        if unknown:
            raise InvalidInput(f"unknown group {unknown[0]!r}", "priority_groups")
    changes: dict[Any, Any] = {}
    if birth_year is not KEEP:
        check_birth_year(birth_year, clock, "birth_year")
        changes[Attendee.birth_year] = birth_year
    if certificates is not None:
        changes[Attendee.certificates] = certificate_tags(certificates, "certificates")
    if max_commute_km is not KEEP:
        check_commute(max_commute_km, "max_commute_km")
        changes[Attendee.max_commute_km] = max_commute_km
    if needs_food_lodging is not None:
        changes[Attendee.needs_food_lodging] = needs_food_lodging
    if wants_part_time is not None:
        changes[Attendee.wants_part_time] = wants_part_time
    async with write_transaction():
        if await _people_query(actor, for_change=True).where(Attendee.id == attendee_id).first() is None:
            raise NotFound("no such attendee", field="attendee_id")
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
