"""Attendees: what we keep about a person, and who may see their phone number."""

from __future__ import annotations

from dataclasses import dataclass, field

from fairs.core.contact import mask_mobile, normalize_mobile
from fairs.core.errors import Conflict, InvalidInput
from fairs.core.matching import PRIORITY_GROUPS
from fairs.db.tables import Attendee
from fairs.services.context import Clock

CONSENT_VERSION = "2026-11"


@dataclass(frozen=True)
class AttendeeDetails:
    name: str
    phone: str
    consent: bool
    township: str = ""
    village: str = ""
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
    if await Attendee.exists().where(Attendee.phone == phone):
        raise Conflict("an attendee with this phone number already exists", field=f"{prefix}phone",
                       code="attendee_exists")
    now = clock.now()
    row = Attendee(
        name=details.name.strip(),
        phone=phone,
        email=details.email,
        township=details.township,
        village=details.village,
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
