"""Service stations (就业驿站, 零工之家, 就业超市): public places in an area, with staff."""

from __future__ import annotations

from typing import Any

from fairs.core.errors import InvalidInput, NotFound
from fairs.db.tables import ServiceStation
from fairs.db.transactions import write_transaction
from fairs.services.areas import writable_area
from fairs.services.context import SYSTEM_CLOCK, Actor, Clock
from fairs.services.scope import in_area

KINDS = ("post_station", "gig_home", "employment_supermarket")
COLUMNS = (ServiceStation.id, ServiceStation.name, ServiceStation.kind, ServiceStation.area,
           ServiceStation.area.name.as_alias("area_name"), ServiceStation.address)


async def create_station(actor: Actor, name: str, kind: str, area_id: int, address: str,
                         clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    if actor.role != "organizer":
        raise NotFound("not found")
    if not name.strip():
        raise InvalidInput("must not be empty", "name")
    if kind not in KINDS:
        raise InvalidInput(f"must be one of {', '.join(KINDS)}", "kind")
    await writable_area(actor, area_id)
    async with write_transaction():
        row = ServiceStation(name=name.strip(), kind=kind, area=area_id, address=address, created_at=clock.now())
        await row.save()
    return await get_station(int(row.id))


async def get_station(station_id: int) -> dict[str, Any]:
    row = await ServiceStation.select(*COLUMNS).where(ServiceStation.id == station_id).first()
    if row is None:
        raise NotFound("no such service station", field="station_id")
    return row


async def list_stations(area_path: str | None = None) -> list[dict[str, Any]]:
    query = ServiceStation.select(*COLUMNS).order_by(ServiceStation.id)
    if area_path:
        query = query.where(in_area(ServiceStation.area, area_path))
    return await query
