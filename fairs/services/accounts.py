"""Accounts: sign-up of employers and attendees, staff and organizer accounts, login."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fairs.core.areas import CODE_LENGTH, DEPARTMENTS
from fairs.core.contact import normalize_mobile
from fairs.core.credit_code import normalize_credit_code
from fairs.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from fairs.db.statements import Statement
from fairs.db.tables import Account, Organization, ServiceStation
from fairs.db.transactions import write_transaction
from fairs.services import passwords, scope
from fairs.services.areas import writable_area
from fairs.services.context import SYSTEM_CLOCK, Actor, Clock
from fairs.services.people import AttendeeDetails, insert_attendee


@dataclass(frozen=True)
class OrganizationDetails:
    name: str
    credit_code: str
    industry: str
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""


def _check_password(password: str) -> None:
    if len(password) < 8:
        raise InvalidInput("must be at least 8 characters long", "password")


async def _login_is_free(login: str) -> None:
    if await Account.exists().where(Account.login == login):
        raise Conflict("this login is taken", field="login", code="login_taken")


async def _new_account(login: str, password: str, role: str, clock: Clock, **columns: object) -> int:
    row = Account(
        login=login,
        password_hash=await passwords.hash_password(password),
        role=role,
        created_at=clock.now(),
        **columns,
    )
    await row.save()
    return int(row.id)


async def sign_up_employer(
    organization: OrganizationDetails, login: str, password: str, clock: Clock = SYSTEM_CLOCK
) -> Actor:
    """Create an organization and its first employer account."""
    credit_code = normalize_credit_code(organization.credit_code, "organization.credit_code")
    if not organization.name.strip():
        raise InvalidInput("must not be empty", "organization.name")
    contact_phone = (
        normalize_mobile(organization.contact_phone, "organization.contact_phone")
        if organization.contact_phone
        else ""
    )
    _check_password(password)
    async with write_transaction():
        await _login_is_free(login)
        if await Organization.exists().where(Organization.credit_code == credit_code):
            raise Conflict(
                "an organization with this credit code already exists; ask its administrator to add you",
                field="organization.credit_code",
                code="organization_exists",
            )
        org = Organization(
            name=organization.name.strip(),
            credit_code=credit_code,
            industry=organization.industry,
            contact_name=organization.contact_name,
            contact_phone=contact_phone,
            contact_email=organization.contact_email,
            created_at=clock.now(),
        )
        await org.save()
        account_id = await _new_account(
            login, password, "employer", clock, organization=org.id, display_name=organization.contact_name,
            email=organization.contact_email,
        )
    return Actor(account_id, "employer", organization_id=int(org.id))


async def sign_up_attendee(details: AttendeeDetails, login: str, password: str,
                           clock: Clock = SYSTEM_CLOCK) -> Actor:
    """Create an attendee (with their consent) and their account."""
    _check_password(password)
    async with write_transaction():
        await _login_is_free(login)
        attendee_id = await insert_attendee(details, clock)
        account_id = await _new_account(
            login, password, "attendee", clock, attendee=attendee_id, display_name=details.name,
            email=details.email,
        )
    return Actor(account_id, "attendee", attendee_id=attendee_id)


async def create_staff_or_organizer(
    actor: Actor, role: str, login: str, password: str, display_name: str, *, area_id: int | None = None,
    station_id: int | None = None, departments: tuple[str, ...] = (), email: str = "",
    clock: Clock = SYSTEM_CLOCK,
) -> int:
    """Organizers create organizer accounts for an area in their subtree, and staff accounts
    for a service station in it (the staff's area is the station's). Only a city organizer
    may give department tags, which open read access across the city."""
    if not actor.is_organizer:
        raise NotFound("not found")
    if role not in ("organizer", "staff"):
        raise InvalidInput("must be organizer or staff", "role")
    unknown = sorted(set(departments) - DEPARTMENTS)
    if unknown:
        raise InvalidInput(f"unknown department {unknown[0]!r}; known: {', '.join(sorted(DEPARTMENTS))}",
                           "departments")
    if departments and (role != "organizer" or len(scope.area_path(actor)) != CODE_LENGTH):
        raise Forbidden("only a city organizer gives department tags, and only to organizers",
                        field="departments", code="departments_not_allowed")
    if role == "staff":
        if station_id is None:
            raise InvalidInput("staff accounts belong to a service station", "station_id")
        station = await ServiceStation.select(ServiceStation.area).where(ServiceStation.id == station_id).first()
        if station is None:
            raise InvalidInput("no such service station", "station_id")
        area_id = station["area"]
    if area_id is None:
        raise InvalidInput("an organizer account belongs to an area", "area_id")
    await writable_area(actor, area_id, "area_id" if role == "organizer" else "station_id")
    _check_password(password)
    async with write_transaction():
        await _login_is_free(login)
        return await _new_account(
            login, password, role, clock, display_name=display_name, area=area_id, station=station_id,
            departments=sorted(set(departments)), email=email,
        )


async def authenticate(login: str, password: str) -> Actor | None:
    """The actor for a correct login and password; ``None`` otherwise (same time either way)."""
    row = await Account.select(*_ACTOR_COLUMNS, Account.password_hash).where(
        Account.login == login, Account.active.eq(True)).first()
    stored = row["password_hash"] if row else passwords.DUMMY_HASH
    ok = await passwords.verify_password(stored, password)
    if not row or not ok:
        return None
    return actor_of(row)


_ACTOR_COLUMNS = (Account.id, Account.role, Account.organization, Account.attendee, Account.display_name,
                  Account.area.path.as_alias("area_path"), Account.departments, Account.station)


async def actor_by_id(account_id: int) -> Actor | None:
    """The actor for an account, with its area path, in one query (see :data:`_ACTOR_BY_ID`)."""
    rows = await _ACTOR_BY_ID_STATEMENT.rows(account_id)
    return actor_of(rows[0]) if rows else None


_ACTOR_BY_ID = """
SELECT a.id, a.role, a.organization, a.attendee, a.display_name, r.path AS area_path, a.departments, a.station
FROM account a LEFT JOIN area r ON r.id = a.area
WHERE a.id = {} AND a.active"""
"""Every signed-in request runs this, so it is written out once rather than built each time."""
_ACTOR_BY_ID_STATEMENT = Statement(Account, _ACTOR_BY_ID)


def actor_of(row: dict[str, Any]) -> Actor:
    return Actor(
        account_id=int(row["id"]),
        role=row["role"],
        organization_id=row["organization"],
        attendee_id=row["attendee"],
        display_name=row["display_name"],
        area_path=row["area_path"],
        departments=frozenset(row["departments"] or ()),
        station_id=row["station"],
    )
