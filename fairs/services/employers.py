"""Employers: their organization and its positions. An employer sees only its own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fairs.core.errors import InvalidInput, NotFound
from fairs.db.tables import Organization, Position
from fairs.db.transactions import write_transaction
from fairs.services.areas import area_for
from fairs.services.context import SYSTEM_CLOCK, Actor, Clock
from fairs.services.people import certificate_tags

YOUNGEST_WORKER, OLDEST_WORKER = 16, 80
"""Age limits a position may state."""


def own_organization(actor: Actor) -> int:
    if actor.role != "employer" or actor.organization_id is None:
        raise NotFound("not found")
    return actor.organization_id


@dataclass(frozen=True)
class PositionSpec:
    title: str
    industry: str
    headcount: int = 1
    skills: tuple[str, ...] = ()
    wage_min: int | None = None
    wage_max: int | None = None
    work_location: str = ""
    provides_food_lodging: bool = False
    accepts_older_workers: bool = False
    part_time: bool = False
    description: str = ""
    work_area_id: int | None = None
    min_age: int | None = None
    max_age: int | None = None
    required_certificates: tuple[str, ...] = ()


def _validate(spec: PositionSpec) -> None:
    if not spec.title.strip():
        raise InvalidInput("must not be empty", "title")
    if not spec.industry.strip():
        raise InvalidInput("must not be empty", "industry")
    if spec.headcount < 1:
        raise InvalidInput("must be at least 1", "headcount")
    for i, skill in enumerate(spec.skills):
        if not skill.strip() or len(skill) > 64:
            raise InvalidInput("must be 1 to 64 characters", f"skills[{i}]")
    for name in ("wage_min", "wage_max"):
        value = getattr(spec, name)
        if value is not None and value < 0:
            raise InvalidInput("must not be negative", name)
    if spec.wage_min is not None and spec.wage_max is not None and spec.wage_min > spec.wage_max:
        raise InvalidInput("must not be below wage_min", "wage_max")
    for name in ("min_age", "max_age"):
        value = getattr(spec, name)
        if value is not None and not YOUNGEST_WORKER <= value <= OLDEST_WORKER:
            raise InvalidInput(f"must be between {YOUNGEST_WORKER} and {OLDEST_WORKER}", name)
    if spec.min_age is not None and spec.max_age is not None and spec.min_age > spec.max_age:
        raise InvalidInput("must not be below min_age", "max_age")
    certificate_tags(spec.required_certificates, "required_certificates")


async def create_position(actor: Actor, spec: PositionSpec, clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    organization_id = own_organization(actor)
    _validate(spec)
    if spec.work_area_id is not None:
        await area_for(spec.work_area_id, "work_area_id")
    async with write_transaction():
        row = Position(
            organization=organization_id, title=spec.title.strip(), industry=spec.industry.strip(),
            headcount=spec.headcount, skills=list(spec.skills), wage_min=spec.wage_min,
            wage_max=spec.wage_max, work_location=spec.work_location,
            provides_food_lodging=spec.provides_food_lodging,
            accepts_older_workers=spec.accepts_older_workers, part_time=spec.part_time,
            description=spec.description, work_area=spec.work_area_id, min_age=spec.min_age,
            max_age=spec.max_age, required_certificates=certificate_tags(spec.required_certificates,
                                                                         "required_certificates"),
            created_at=clock.now(),
        )
        await row.save()
    return row.to_dict()


async def get_position(actor: Actor, position_id: int) -> dict[str, Any]:
    """One position of the employer's own organization (another's does not exist: 404)."""
    row = await Position.select().where(Position.id == position_id,
                                        Position.organization == own_organization(actor)).first()
    if row is None:
        raise NotFound("no such position", field="position_id")
    return row


async def update_position(actor: Actor, position_id: int, spec: PositionSpec) -> dict[str, Any]:
    """Change every field of one of the organization's positions (checked as when posted)."""
    organization_id = own_organization(actor)
    _validate(spec)
    if spec.work_area_id is not None:
        await area_for(spec.work_area_id, "work_area_id")
    async with write_transaction():
        changed = await Position.update({
            Position.title: spec.title.strip(), Position.industry: spec.industry.strip(),
            Position.headcount: spec.headcount, Position.skills: list(spec.skills), Position.wage_min: spec.wage_min,
            Position.wage_max: spec.wage_max, Position.work_location: spec.work_location,
            Position.provides_food_lodging: spec.provides_food_lodging,
            Position.accepts_older_workers: spec.accepts_older_workers, Position.part_time: spec.part_time,
            Position.description: spec.description, Position.work_area: spec.work_area_id,
            Position.min_age: spec.min_age, Position.max_age: spec.max_age,
            Position.required_certificates: certificate_tags(spec.required_certificates, "required_certificates"),
        }).where(Position.id == position_id, Position.organization == organization_id).returning(Position.id)
    if not changed:
        raise NotFound("no such position", field="position_id")
    return await get_position(actor, position_id)


async def list_positions(actor: Actor) -> list[dict[str, Any]]:
    organization_id = own_organization(actor)
    return await Position.select().where(Position.organization == organization_id).order_by(Position.id)


async def get_organization(actor: Actor, organization_id: int) -> dict[str, Any]:
    if not actor.is_organizer and actor.organization_id != organization_id:
        raise NotFound("no such organization", field="organization_id")
    row = await Organization.select().where(Organization.id == organization_id).first()
    if row is None:
        raise NotFound("no such organization", field="organization_id")
    return row


async def list_organizations(actor: Actor) -> list[dict[str, Any]]:
    query = Organization.select().order_by(Organization.id)
    if not actor.is_organizer:
        query = query.where(Organization.id == own_organization(actor))
    return await query
