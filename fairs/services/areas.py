"""The area tree: public to read, edited by city organizers (within their city)."""

from __future__ import annotations

from typing import Any

from fairs.core.areas import AreaRow, KnownArea, plan_import
from fairs.core.errors import Forbidden, InvalidInput, NotFound
from fairs.db.tables import Area
from fairs.db.transactions import write_transaction
from fairs.services.context import SYSTEM_CLOCK, Actor, Clock
from fairs.services.scope import require_writable, within

COLUMNS = (Area.id, Area.code, Area.name, Area.level, Area.parent, Area.path, Area.latitude, Area.longitude)


def _city_organizer(actor: Actor | None) -> str:
    """The path under which ``actor`` may edit areas: city organizers edit their city;
    ``None`` (the command line, the demo) edits everything."""
    if actor is None:
        return ""
    if actor.role != "organizer" or actor.area_path is None or len(actor.area_path) != 12:
        raise Forbidden("only organizers of a city edit its areas", field="area", code="not_city_organizer")
    return actor.area_path


async def list_areas(under: int | None = None, level: str | None = None) -> list[dict[str, Any]]:
    """Areas in tree order (by path: each parent before its children)."""
    query = Area.select(*COLUMNS).order_by(Area.path)
    if under is not None:
        root = await Area.select(Area.path).where(Area.id == under).first()
        if root is None:
            raise NotFound("no such area", field="under")
        query = query.where(within(Area.path, root["path"]))
    if level is not None:
        query = query.where(Area.level == level)
    return await query


async def get_area(area_id: int, field: str = "area_id") -> dict[str, Any]:
    row = await Area.select(*COLUMNS).where(Area.id == area_id).first()
    if row is None:
        raise NotFound("no such area", field=field)
    return row


async def area_for(area_id: int, field: str) -> dict[str, Any]:
    """An area named in a request body: a missing one is bad input (422), not a 404."""
    row = await Area.select(*COLUMNS).where(Area.id == area_id).first()
    if row is None:
        raise InvalidInput("no such area", field)
    return row


async def writable_area(actor: Actor, area_id: int, field: str = "area_id") -> dict[str, Any]:
    """An area named in a request to create something there: 422 if it does not exist, 403
    if it lies outside the actor's subtree."""
    area = await area_for(area_id, field)
    require_writable(actor, area["path"], field)
    return area


async def import_areas(actor: Actor | None, rows: list[AreaRow], clock: Clock = SYSTEM_CLOCK) -> dict[str, int]:
    """Add or update areas from rows (CSV or JSON). All or nothing: any bad row refuses the
    whole import, naming ``rows[i].field``. Known codes update name and coordinates."""
    root = _city_organizer(actor)
    async with write_transaction():
        codes = {r.code for r in rows} | {r.parent_code for r in rows if r.parent_code}
        known = {a["code"]: KnownArea(a["code"], a["level"], a["path"]) for a in await Area.select(
            Area.code, Area.level, Area.path).where(Area.code.is_in(sorted(codes) or ["-"]))}
        plan = plan_import(rows, known, root)
        ids = {a["code"]: a["id"] for a in await Area.select(Area.id, Area.code).where(
            Area.code.is_in(sorted(codes) or ["-"]))}
        created = updated = 0
        for row, path in plan:
            if row.code in known:
                await Area.update({Area.name: row.name, Area.latitude: row.latitude,
                                   Area.longitude: row.longitude}).where(Area.code == row.code)
                updated += 1
                continue
            area = Area(code=row.code, name=row.name, level=row.level, parent=ids.get(row.parent_code),
                        path=path, latitude=row.latitude, longitude=row.longitude, created_at=clock.now())
            await area.save()
            ids[row.code] = area.id
            created += 1
    return {"created": created, "updated": updated}


async def change_area(actor: Actor, area_id: int, name: str | None, latitude: float | None,
                      longitude: float | None) -> dict[str, Any]:
    """Rename an area or set its coordinates (a city organizer, within the city). The code,
    level and parent never change: a moved area is a new area with a new code."""
    root = _city_organizer(actor)
    changes: dict[Any, Any] = {}
    if name is not None:
        if not name.strip():
            raise InvalidInput("must not be empty", "name")
        changes[Area.name] = name.strip()
    for column, value, low, high in ((Area.latitude, latitude, -90, 90), (Area.longitude, longitude, -180, 180)):
        if value is not None:
            if not low <= value <= high:
                raise InvalidInput(f"must be between {low} and {high}", column._meta.name)
            changes[column] = value
    async with write_transaction():
        query = Area.select(Area.id).where(Area.id == area_id)
        if root:
            query = query.where(within(Area.path, root))
        if await query.first() is None:
            raise NotFound("no such area", field="area_id")
        if changes:
            await Area.update(changes).where(Area.id == area_id)
    return await get_area(area_id)
