"""Floor plans: import (JSON or CSV) and the event's plan as SVG."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.params import QueryParameter

from fairs.api.schemas import FloorPlanImportOut, FloorPlanIn, FloorPlanOut, convert
from fairs.api.schemas.common import PathId, QueryId
from fairs.api.security import AnyRequest, actor_of, organizer, public
from fairs.api.uploads import csv_text, json_body
from fairs.core.booth_rows import BoothRow, read_booth_csv
from fairs.core.errors import InvalidInput
from fairs.services import floorplans

SVG = "image/svg+xml"


class FloorPlanController(Controller):
    tags = ["booths"]

    @post("/venues/{venue_id:int}/floor-plans", guards=[organizer], status_code=200,
          description="Create or replace a floor plan and its booths (matched by code). JSON body, or a CSV body "
                      "(`Content-Type: text/csv`, header code,zone,x_m,y_m,width_m,depth_m,features,price_yuan,"
                      "fee_waived) with `?name=`. All or nothing; errors name `rows[i].field`.")
    async def import_plan(self, request: AnyRequest, venue_id: PathId,
                          name: Annotated[str | None, QueryParameter(max_length=100)] = None) -> FloorPlanImportOut:
        text = await csv_text(request)
        if text is not None:
            if not name:
                raise InvalidInput("give the plan's name as ?name=", "name")
            rows, width, depth = read_booth_csv(text), None, None
        else:
            data = await json_body(request, FloorPlanIn, "booths")
            name, width, depth = data.name, data.width_m, data.depth_m
            rows = [BoothRow(b.code.strip(), b.zone, b.x_m, b.y_m, b.width_m, b.depth_m, tuple(b.features),
                             b.price_yuan, b.fee_waived) for b in data.booths]
        result = await floorplans.import_plan(actor_of(request), venue_id, name, width, depth, rows,
                                              request.app.state.clock)
        return FloorPlanImportOut(**result)

    @get("/venues/{venue_id:int}/floor-plans", guards=[public])
    async def list_plans(self, venue_id: PathId) -> list[FloorPlanOut]:
        return [convert(p, FloorPlanOut) for p in await floorplans.list_plans(venue_id)]

    @get("/events/{event_id:int}/floorplan.svg", guards=[public], media_type=SVG,
         description="The event's floor plan with each booth's state (free, held, reserved, blocked); a signed-in "
                     "employer sees its own booths highlighted.")
    async def floorplan_svg(self, request: AnyRequest, event_id: PathId,
                            plan: QueryId = None,
                            lang: Annotated[str, QueryParameter(pattern="^(zh|en)$")] = "zh") -> Response[str]:
        svg = await floorplans.event_svg(event_id, plan, request.scope.get("user"), lang, request.app.state.clock)
        return Response(svg, media_type=SVG, headers={"Cache-Control": "no-store"})
