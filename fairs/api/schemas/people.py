"""Accounts, sign-ups, attendees, areas and stations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

from fairs.api.schemas.common import Id, Login, Name, Password, Tag, Text

# --- accounts -------------------------------------------------------------------------------

class LoginRequest(Struct, forbid_unknown_fields=True):
    login: Annotated[str, Meta(min_length=1, max_length=100)]
    password: Annotated[str, Meta(min_length=1, max_length=200)]


class TokenOut(Struct):
    token: str
    token_type: str
    expires_at: datetime
    account_id: int
    role: str
    organization_id: int | None
    attendee_id: int | None


class OrganizationIn(Struct, forbid_unknown_fields=True):
    name: Name
    credit_code: Annotated[str, Meta(min_length=1, max_length=30)]
    industry: Tag
    contact_name: Text = ""
    contact_phone: Annotated[str, Meta(max_length=30)] = ""
    contact_email: Annotated[str, Meta(max_length=254)] = ""


class EmployerSignUp(Struct, forbid_unknown_fields=True):
    organization: OrganizationIn
    login: Login
    password: Password


class AttendeeIn(Struct, forbid_unknown_fields=True):
    name: Annotated[str, Meta(min_length=1, max_length=100)]
    phone: Annotated[str, Meta(min_length=1, max_length=30)]
    consent: bool
    home_area_id: Id
    email: Annotated[str, Meta(max_length=254)] = ""
    skills: Annotated[list[Tag], Meta(max_length=30)] = []
    desired_industries: Annotated[list[Tag], Meta(max_length=20)] = []
    priority_groups: Annotated[list[Tag], Meta(max_length=10)] = []
    language: Literal["zh", "en"] = "zh"
    birth_year: int | None = None
    """From 1930 to 14 years before this year; none: not said."""
    certificates: list[Tag] = []
    """Certificates held (up to 20), e.g. 电工证, forklift: positions may require them."""
    max_commute_km: int | None = None
    """How far from home the person will travel to work (0–500 km); none: no limit."""
    needs_food_lodging: bool = False
    wants_part_time: bool = False


class AttendeeSignUp(Struct, forbid_unknown_fields=True):
    attendee: AttendeeIn
    login: Login
    password: Password


class AccountIn(Struct, forbid_unknown_fields=True):
    role: Literal["organizer", "staff"]
    login: Login
    password: Password
    display_name: Name
    area_id: Id | None = None
    """Organizers: the area they run (in the creator's subtree)."""
    station_id: Id | None = None
    """Staff: their service station (its area is their scope)."""
    departments: Annotated[list[Tag], Meta(max_length=10)] = []
    email: Annotated[str, Meta(max_length=254)] = ""


class AccountOut(Struct):
    account_id: int
    role: str
    organization_id: int | None = None
    attendee_id: int | None = None


# --- areas, stations, people ----------------------------------------------------------------

class AreaOut(Struct):
    id: int
    code: str
    name: str
    level: str
    parent: int | None
    path: str
    latitude: float | None
    longitude: float | None


class AreaRowIn(Struct, forbid_unknown_fields=True):
    code: Annotated[str, Meta(max_length=20)]
    name: Annotated[str, Meta(max_length=100)]
    level: Annotated[str, Meta(max_length=20)]
    parent_code: Annotated[str, Meta(max_length=20)] = ""
    latitude: float | None = None
    longitude: float | None = None


class AreaImportIn(Struct, forbid_unknown_fields=True):
    rows: Annotated[list[AreaRowIn], Meta(min_length=1, max_length=20000)]


class AreaImportOut(Struct):
    created: int
    updated: int


class AreaChangeIn(Struct, forbid_unknown_fields=True):
    name: Annotated[str, Meta(max_length=100)] | None = None
    latitude: float | None = None
    longitude: float | None = None


class StationIn(Struct, forbid_unknown_fields=True):
    name: Name
    kind: Literal["post_station", "gig_home", "employment_supermarket"]
    area_id: Id
    address: Annotated[str, Meta(max_length=300)] = ""


class StationOut(Struct):
    id: int
    name: str
    kind: str
    area: int
    area_name: str
    address: str


class AttendeeOut(Struct):
    id: int
    name: str
    phone: str
    email: str
    home_area: int
    home_area_name: str
    skills: list[str]
    desired_industries: list[str]
    priority_groups: list[str]
    language: str
    created_at: datetime
    birth_year: int | None
    certificates: list[str]
    max_commute_km: int | None
    needs_food_lodging: bool
    wants_part_time: bool


class AttendeeChangeIn(Struct, forbid_unknown_fields=True):
    """Fields left out (or `null` where `null` has no meaning of its own) stay as they are."""

    skills: Annotated[list[Tag], Meta(max_length=30)] | None = None
    desired_industries: Annotated[list[Tag], Meta(max_length=20)] | None = None
    priority_groups: Annotated[list[Tag], Meta(max_length=10)] | None = None
    home_area_id: Id | None = None
    birth_year: int | None | UnsetType = UNSET
    """`null` forgets it."""
    certificates: list[Tag] | None = None
    max_commute_km: int | None | UnsetType = UNSET
    """`null`: no limit."""
    needs_food_lodging: bool | None = None
    wants_part_time: bool | None = None


class AreaFiguresOut(Struct):
    area_id: int
    code: str
    name: str
    attendees: int
    registrations: int
    events: int
