"""Village tours (百企进百村): set-up, villages, riders, and plans — start one, follow it, look
at its routes, map, timeline and manifests, publish it."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, Response, delete, get, patch, post, put
from litestar.params import JSONBody, QueryParameter
from litestar.response import ServerSentEvent, Template

from fairs.api.idempotency import idempotent
from fairs.api.schemas import (
    TourBusDayOut,
    TourPlanIn,
    TourPlanOut,
    TourRiderIn,
    TourRiderOut,
    TourSetupIn,
    TourSetupOut,
    TourVillageChangeIn,
    TourVillageIn,
    TourVillageOut,
    TravelMatrixOut,
    convert,
)
from fairs.api.schemas.common import PathId
from fairs.api.security import AnyRequest, actor_of, organizer, role
from fairs.api.streams import progress_events
from fairs.api.uploads import csv_text
from fairs.core.errors import InvalidInput
from fairs.services import tour_plans, tour_views, tours
from fairs.web.view import page

Day = Annotated[str | None, QueryParameter(pattern=r"^\d{4}-\d{2}-\d{2}$", description="One day (YYYY-MM-DD).")]
Language = Annotated[Literal["zh", "en"], QueryParameter(description="zh (default) or en")]
SVG = "image/svg+xml; charset=utf-8"


class TourController(Controller):
    tags = ["village tours"]

    @put("/campaigns/{campaign_id:int}/tour", guards=[organizer],
         description="The tour's days, depot, buses and rules for who rides (replaces the previous set-up).")
    async def set_setup(self, request: AnyRequest, campaign_id: PathId,
                        data: JSONBody[TourSetupIn]) -> TourSetupOut:
        spec = tours.SetupSpec(**{f: getattr(data, f) for f in data.__struct_fields__})
        return convert(await tours.set_setup(actor_of(request), campaign_id, spec, request.app.state.clock),
                       TourSetupOut)

    @get("/campaigns/{campaign_id:int}/tour", guards=[organizer])
    async def get_setup(self, request: AnyRequest, campaign_id: PathId) -> TourSetupOut:
        return convert(await tours.get_setup(actor_of(request), campaign_id), TourSetupOut)

    @put("/campaigns/{campaign_id:int}/tour/travel-matrix", guards=[organizer],
         description="The road-time matrix as CSV (`Content-Type: text/csv`): a square matrix (header row and first "
                     "column are place labels: `depot` and tour village ids; cells in minutes) or long rows "
                     "`from,to,minutes`. An empty body goes back to great-circle estimates. Pairs it lacks are named "
                     "(422) when a plan is asked for.")
    async def set_matrix(self, request: AnyRequest, campaign_id: PathId) -> TravelMatrixOut:
        text = await csv_text(request)
        if text is None:
            raise InvalidInput("send the matrix as text/csv", "body")
        return convert(await tours.set_travel_matrix(actor_of(request), campaign_id, text, request.app.state.clock),
                       TravelMatrixOut)

    @post("/campaigns/{campaign_id:int}/tour/villages", guards=[organizer], status_code=201,
          description="Put a village on the tour; its square becomes a venue with `booth_capacity` booths (V1…).")
    async def add_village(self, request: AnyRequest, campaign_id: PathId,
                          data: JSONBody[TourVillageIn]) -> Response[TourVillageOut]:
        actor, clock = actor_of(request), request.app.state.clock
        estimate = _estimate(data.labour_estimate)
        spec = tours.VillageSpec(data.area_id, data.opens, data.closes, data.stop_minutes, data.booth_capacity,
                                 data.required_stops, list(data.weekdays), list(data.forbidden_dates), estimate,
                                 data.place)

        async def write() -> TourVillageOut:
            return convert(await tours.add_village(actor, campaign_id, spec, clock), TourVillageOut)

        return await idempotent(request, actor, 201, write, clock.now())

    @get("/campaigns/{campaign_id:int}/tour/villages", guards=[organizer])
    async def list_villages(self, request: AnyRequest, campaign_id: PathId) -> list[TourVillageOut]:
        return [convert(v, TourVillageOut) for v in await tours.list_villages(actor_of(request), campaign_id)]

    @patch("/tour-villages/{village_id:int}", guards=[organizer],
           description="Change a village's window, stops, capacity, days or estimate; the next plan uses them.")
    async def change_village(self, request: AnyRequest, village_id: PathId,
                             data: JSONBody[TourVillageChangeIn]) -> TourVillageOut:
        changes = {f: getattr(data, f) for f in data.__struct_fields__}
        if data.labour_estimate is not None:
            changes["labour_estimate"] = _estimate(data.labour_estimate)
        return convert(await tours.change_village(actor_of(request), village_id, changes), TourVillageOut)

    @delete("/tour-villages/{village_id:int}", guards=[organizer], status_code=204,
            description="Take a village off the tour before it has stops (after: set required_stops to 0 and "
                        "re-plan).")
    async def remove_village(self, request: AnyRequest, village_id: PathId) -> None:
        await tours.remove_village(actor_of(request), village_id)

    @post("/campaigns/{campaign_id:int}/tour/riders", guards=[role("organizer", "employer")], status_code=201,
          description="An enterprise rides along: on which days, with how many staff (an employer signs up its own; "
                      "signing up again replaces the days and numbers).")
    async def join(self, request: AnyRequest, campaign_id: PathId,
                   data: JSONBody[TourRiderIn]) -> Response[TourRiderOut]:
        actor, clock = actor_of(request), request.app.state.clock
        spec = tours.RiderSpec(data.organization_id, list(data.travel_dates), data.staff, data.max_stops_per_day,
                               data.max_days)

        async def write() -> TourRiderOut:
            return convert(await tours.join_tour(actor, campaign_id, spec, clock), TourRiderOut)

        return await idempotent(request, actor, 201, write, clock.now())

    @get("/campaigns/{campaign_id:int}/tour/riders", guards=[organizer])
    async def list_riders(self, request: AnyRequest, campaign_id: PathId) -> list[TourRiderOut]:
        return [convert(r, TourRiderOut) for r in await tours.list_riders(actor_of(request), campaign_id)]

    @delete("/campaigns/{campaign_id:int}/tour/riders/{organization_id:int}", guards=[role("organizer", "employer")],
            status_code=200, description="The enterprise drops out: the next plan leaves it out.")
    async def drop_out(self, request: AnyRequest, campaign_id: PathId,
                       organization_id: PathId) -> TourRiderOut:
        return convert(await tours.drop_out(actor_of(request), campaign_id, organization_id), TourRiderOut)

    @post("/campaigns/{campaign_id:int}/tour-plans", guards=[organizer], status_code=202,
          description="Plan the tour (a worker routes the buses and seats the enterprises), or re-plan after a "
                      "change: rained-out stops, broken buses, stops to keep. Refused (422) with what is wrong: "
                      "a window shorter than the fair, a village no enterprise fits, a matrix missing pairs.")
    async def start_plan(self, request: AnyRequest, campaign_id: PathId,
                         data: JSONBody[TourPlanIn]) -> Response[TourPlanOut]:
        actor, state = actor_of(request), request.app.state
        plan_request = tour_plans.PlanRequest(
            data.budget_s, data.seed, [(v.village_id, v.date) for v in data.rained_out],
            [(b.date, b.bus) for b in data.broken_buses], [(v.village_id, v.date) for v in data.confirmed],
            data.fresh)

        async def write() -> TourPlanOut:
            row = await tour_plans.start_plan(actor, campaign_id, plan_request, state.queue, state.clock)
            return convert(await tour_plans.with_progress(row, state.queue), TourPlanOut)

        return await idempotent(request, actor, 202, write, state.clock.now())

    @get("/campaigns/{campaign_id:int}/tour-plans", guards=[organizer], description="Plans of the tour, newest first.")
    async def list_plans(self, request: AnyRequest, campaign_id: PathId) -> list[TourPlanOut]:
        queue = request.app.state.queue
        return [convert(await tour_plans.with_progress(p, queue), TourPlanOut)
                for p in await tour_plans.list_plans(actor_of(request), campaign_id)]

    @get("/tour-plans/{plan_id:int}", guards=[organizer],
         description="The plan: progress (phase, percent, best objective so far) while it runs; then its figures, "
                     "unserved stops with reasons, stops short of enterprises, and the diff against the published "
                     "plan.")
    async def get_plan(self, request: AnyRequest, plan_id: PathId) -> TourPlanOut:
        row = await tour_plans.get_plan(actor_of(request), plan_id)
        return convert(await tour_plans.with_progress(row, request.app.state.queue), TourPlanOut)

    @get("/tour-plans/{plan_id:int}/progress", guards=[organizer],
         description="Server-sent events: `progress` whenever it changes, then one `done` with the plan.")
    async def stream_progress(self, request: AnyRequest, plan_id: PathId) -> ServerSentEvent:
        actor = actor_of(request)
        await tour_plans.get_plan(actor, plan_id)
        queue = request.app.state.queue

        async def fetch() -> dict[str, object]:
            return await tour_plans.with_progress(await tour_plans.get_plan(actor, plan_id), queue)

        return ServerSentEvent(progress_events(fetch, lambda plan: plan["status"] not in tour_plans.ACTIVE_PLAN),
                               headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    @post("/tour-plans/{plan_id:int}/publish", guards=[organizer], status_code=200,
          description="Make this plan the tour's: village-stop events, booths and rides follow it; only enterprises "
                      "and people whose stop or ride changed are told (everyone, the first time). 409 if another "
                      "plan was published since this one was made.")
    async def publish(self, request: AnyRequest, plan_id: PathId) -> TourPlanOut:
        state = request.app.state
        row = await tour_plans.publish_plan(actor_of(request), plan_id, state.queue, state.clock)
        return convert(await tour_plans.with_progress(row, state.queue), TourPlanOut)

    @get("/tour-plans/{plan_id:int}/routes", guards=[organizer],
         description="Each bus-day: departure and return, its stops in order, its riders (the manifest).")
    async def routes(self, request: AnyRequest, plan_id: PathId, day: Day = None) -> list[TourBusDayOut]:
        rows = await tour_views.bus_days(actor_of(request), plan_id, day)
        return [convert(r, TourBusDayOut) for r in rows]

    @get("/tour-plans/{plan_id:int}/map.svg", guards=[organizer], media_type=SVG,
         description="The route map (villages from their coordinates, a line per bus; no map tiles), for one day "
                     "or all.")
    async def route_map(self, request: AnyRequest, plan_id: PathId, day: Day = None,
                        lang: Language = "zh") -> Response[str]:
        svg = await tour_views.route_map(actor_of(request), plan_id, day, lang)
        return Response(svg, media_type=SVG, headers=_download(f"tour-plan-{plan_id}-map", day, "svg"))

    @get("/tour-plans/{plan_id:int}/timeline.svg", guards=[organizer], media_type=SVG,
         description="Day-by-day timeline per bus: travel, waiting, each stop, and who rides.")
    async def timeline(self, request: AnyRequest, plan_id: PathId, day: Day = None,
                       lang: Language = "zh") -> Response[str]:
        svg = await tour_views.timeline(actor_of(request), plan_id, day, lang)
        return Response(svg, media_type=SVG, headers=_download(f"tour-plan-{plan_id}-timeline", day, "svg"))

    @get("/tour-plans/{plan_id:int}/manifest", guards=[organizer], media_type="text/html",
         description="The printable bus manifest of a day (or all days): departure, stops, riders and seats.")
    async def manifest(self, request: AnyRequest, plan_id: PathId, day: Day = None,
                       lang: Language = "zh") -> Template:
        context = await tour_views.manifest(actor_of(request), plan_id, day, lang)
        return page(request, "tours/manifest.html", **context)


def _estimate(estimate: object | None) -> dict[str, dict[str, int]]:
    if estimate is None:
        return {}
    return {k: dict(getattr(estimate, k)) for k in ("industries", "skills", "priority_groups")}


def _download(name: str, day: str | None, extension: str) -> dict[str, str]:
    return {"Content-Disposition": f'inline; filename="{name}{"-" + day if day else ""}.{extension}"'}
