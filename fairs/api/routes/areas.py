"""Administrative areas, service stations, and the people organizers and staff look after."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, patch, post
from litestar.params import JSONBody, QueryParameter
from msgspec import UNSET

from fairs.api.schemas import (
    AreaChangeIn,
    AreaFiguresOut,
    AreaImportIn,
    AreaImportOut,
    AreaOut,
    AttendeeChangeIn,
    AttendeeOut,
    StationIn,
    StationOut,
    convert,
)
from fairs.api.schemas.common import MAX_ID, PathId, QueryId
from fairs.api.security import AnyRequest, actor_of, organizer, public, role
from fairs.api.uploads import csv_text, json_body
from fairs.core.areas import AreaRow, read_area_csv
from fairs.services import areas, people, rollups, stations

scoped = role("organizer", "staff")


class AreaController(Controller):
    tags = ["areas and people"]

    @get("/areas", guards=[public], description="The area tree in path order (parents before children).")
    async def list_areas(self, under: QueryId = None,
                         level: Annotated[str | None, QueryParameter(pattern="^(city|county|township|village)$")]
                         = None) -> list[AreaOut]:
        return [convert(r, AreaOut) for r in await areas.list_areas(under, level)]

    @get("/areas/{area_id:int}", guards=[public])
    async def get_area(self, area_id: PathId) -> AreaOut:
        return convert(await areas.get_area(area_id), AreaOut)

    @post("/areas/import", guards=[organizer], status_code=200,
          description="City organizers add or update areas of their city: JSON `{rows: [...]}` or a CSV body "
                      "(`Content-Type: text/csv`, header code,name,level,parent_code[,latitude,longitude]). "
                      "All or nothing; errors name `rows[i].field`.")
    async def import_areas(self, request: AnyRequest) -> AreaImportOut:
        text = await csv_text(request)
        if text is not None:
            rows = read_area_csv(text)
        else:
            data = await json_body(request, AreaImportIn, "rows")
            rows = [AreaRow(r.code.strip(), r.name.strip(), r.level.strip(), r.parent_code.strip(), r.latitude,
                            r.longitude) for r in data.rows]
        counts = await areas.import_areas(actor_of(request), rows, request.app.state.clock)
        return AreaImportOut(**counts)

    @patch("/areas/{area_id:int}", guards=[organizer], description="Rename an area or set its coordinates.")
    async def change_area(self, request: AnyRequest, area_id: PathId, data: JSONBody[AreaChangeIn]) -> AreaOut:
        row = await areas.change_area(actor_of(request), area_id, data.name, data.latitude, data.longitude)
        return convert(row, AreaOut)

    @get("/reports/by-area", guards=[organizer],
         description="People (by home area), registrations (by the person's home area) and events per area of "
                     "one level, within my area.")
    async def figures_by_area(self, request: AnyRequest,
                              level: Annotated[str, QueryParameter(pattern="^(city|county|township|village)$")]
                              ) -> list[AreaFiguresOut]:
        return [convert(r, AreaFiguresOut) for r in await rollups.by_area(actor_of(request), level)]

    @get("/stations", guards=[public], description="Service stations, optionally within an area.")
    async def list_stations(self, area_id: QueryId = None) -> list[StationOut]:
        path = (await areas.get_area(area_id, "area_id"))["path"] if area_id else None
        return [convert(r, StationOut) for r in await stations.list_stations(path)]

    @post("/stations", guards=[organizer], status_code=201)
    async def create_station(self, request: AnyRequest, data: JSONBody[StationIn]) -> StationOut:
        row = await stations.create_station(actor_of(request), data.name, data.kind, data.area_id, data.address,
                                            request.app.state.clock)
        return convert(row, StationOut)

    @get("/attendees", guards=[scoped],
         description="People of my area (and, with a department tag, my group's people across the city), "
                     "one page by id: `after` is the last id seen.")
    async def list_attendees(self, request: AnyRequest, after: Annotated[int, QueryParameter(ge=0, le=MAX_ID)] = 0,
                             limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
                             group: Annotated[str | None, QueryParameter(max_length=32)] = None,
                             phone: Annotated[str | None, QueryParameter(max_length=30)] = None) -> list[AttendeeOut]:
        rows = await people.list_attendees(actor_of(request), after, limit, group, phone)
        return [convert(r, AttendeeOut) for r in rows]

    @get("/attendees/{attendee_id:int}", guards=[scoped])
    async def get_attendee(self, request: AnyRequest, attendee_id: PathId) -> AttendeeOut:
        return convert(await people.get_attendee(actor_of(request), attendee_id), AttendeeOut)

    @patch("/attendees/{attendee_id:int}", guards=[scoped],
           description="Correct a person's profile (my area only); fields left out stay as they are.")
    async def change_attendee(self, request: AnyRequest, attendee_id: PathId,
                              data: JSONBody[AttendeeChangeIn]) -> AttendeeOut:
        def tags(value: list[str] | None) -> tuple[str, ...] | None:
            return None if value is None else tuple(value)

        row = await people.change_attendee(
            actor_of(request), attendee_id, tags(data.skills), tags(data.desired_industries),
            tags(data.priority_groups), data.home_area_id,
            birth_year=people.KEEP if data.birth_year is UNSET else data.birth_year,
            certificates=tags(data.certificates),
            max_commute_km=people.KEEP if data.max_commute_km is UNSET else data.max_commute_km,
            needs_food_lodging=data.needs_food_lodging, wants_part_time=data.wants_part_time,
            clock=request.app.state.clock)
        return convert(row, AttendeeOut)
