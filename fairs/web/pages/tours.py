"""Organizer pages of a village tour: its plans; start or re-plan one and watch it (live, over
server-sent events); the plan's figures, what it could not serve, what changed against the
published plan, the route map, the timeline and the manifests; publish it."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Response, ServerSentEvent, Template

from fairs.api.security import public
from fairs.api.streams import progress_events
from fairs.core.errors import DomainError
from fairs.services import tour_plans, tour_views, tours
from fairs.web.view import PAGE, AnyRequest, field_errors, language_of, page, posted, signed_in

SVG = "image/svg+xml; charset=utf-8"
Day = Annotated[str | None, QueryParameter(pattern=r"^\d{4}-\d{2}-\d{2}$")]


async def _tour_context(request: AnyRequest, campaign_id: int) -> dict[str, Any]:
    actor = signed_in(request, "organizer")
    campaign = await tours.tour_campaign(actor, campaign_id)
    try:
        setup: dict[str, Any] | None = await tours.get_setup(actor, campaign_id)
    except DomainError:
        setup = None
    plans = await tour_plans.list_plans(actor, campaign_id)
    villages = await tours.list_villages(actor, campaign_id)
    riders = await tours.list_riders(actor, campaign_id)
    published = next((p for p in plans if p["status"] == "published"), None)
    buses = [] if published is None else [(b["day"], b["bus"]) for b in
                                           await tour_views.bus_days(actor, published["id"], None)]
    return {"campaign": campaign, "setup": setup, "plans": plans, "villages": villages,
            "riders": [r for r in riders if r["status"] == "joined"], "published": published, "buses": buses}


@get("/organizer/tours/{campaign_id:int}", guards=[public], include_in_schema=False, opt=PAGE)
async def tour_page(request: AnyRequest, campaign_id: FromPath[int]) -> Template:
    return page(request, "tours/tour.html", **await _tour_context(request, campaign_id))


@post("/organizer/tours/{campaign_id:int}/plans", guards=[public], include_in_schema=False, opt=PAGE,
      status_code=303)
async def start_plan(request: AnyRequest, campaign_id: FromPath[int]) -> Any:
    """Plan, or re-plan after a change picked in the form (rained-out stops, broken buses)."""
    actor = signed_in(request, "organizer")
    form = await posted(request)
    rained = _pairs(form.get("rained_out"), int, str)
    broken = _pairs(form.get("broken_bus"), str, int)
    try:
        budget = float(form.get("budget_s") or tour_plans.DEFAULT_BUDGET_S)
        plan = await tour_plans.start_plan(
            actor, campaign_id, tour_plans.PlanRequest(budget_s=budget, rained_out=rained, broken_buses=broken,
                                                       fresh=form.get("fresh") == "1"),
            request.app.state.queue, request.app.state.clock)
    except (DomainError, ValueError) as error:
        errors = field_errors(error, request) if isinstance(error, DomainError) else {"budget_s": str(error)}
        return page(request, "tours/tour.html", status=422, errors=errors, values=form,
                    **await _tour_context(request, campaign_id))
    return Redirect(f"/organizer/tour-plans/{plan['id']}", status_code=303)


def _pairs(value: Any, first: Any, second: Any) -> list[tuple[Any, Any]]:
    """Checkbox values ``"a|b"`` (one or many) as typed pairs."""
    values = value if isinstance(value, list) else [value] if value else []
    out = []
    for item in values:
        a, _, b = str(item).partition("|")
        out.append((first(a), second(b)))
    return out


@get("/organizer/tour-plans/{plan_id:int}", guards=[public], include_in_schema=False, opt=PAGE)
async def plan_page(request: AnyRequest, plan_id: FromPath[int], day: Day = None,
                    told: Annotated[int | None, QueryParameter(ge=0)] = None) -> Template:
    actor = signed_in(request, "organizer")
    plan = await tour_plans.with_progress(await tour_plans.get_plan(actor, plan_id), request.app.state.queue)
    routes = await tour_views.bus_days(actor, plan_id, None) if plan["status"] != "queued" else []
    days = sorted({r["day"] for r in routes})
    villages = {v["id"]: v["name"] for v in await tours.list_villages(actor, plan["campaign"])}
    return page(request, "tours/plan.html", plan=plan, days=days, day=day, villages=villages,
                routes=[r for r in routes if day is None or r["day"] == day],
                running=plan["status"] in tour_plans.ACTIVE_PLAN, date=date, told=told)


@get("/organizer/tour-plans/{plan_id:int}/progress", guards=[public], include_in_schema=False, opt=PAGE)
async def plan_progress(request: AnyRequest, plan_id: FromPath[int]) -> ServerSentEvent:
    actor = signed_in(request, "organizer")
    await tour_plans.get_plan(actor, plan_id)
    queue = request.app.state.queue

    async def fetch() -> dict[str, Any]:
        return await tour_plans.with_progress(await tour_plans.get_plan(actor, plan_id), queue)

    return ServerSentEvent(progress_events(fetch, lambda p: p["status"] not in tour_plans.ACTIVE_PLAN),
                           headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


@get("/organizer/tour-plans/{plan_id:int}/map.svg", guards=[public], include_in_schema=False, opt=PAGE)
async def plan_map(request: AnyRequest, plan_id: FromPath[int], day: Day = None) -> Response[str]:
    svg = await tour_views.route_map(signed_in(request, "organizer"), plan_id, day, language_of(request))
    return Response(svg, media_type=SVG)


@get("/organizer/tour-plans/{plan_id:int}/timeline.svg", guards=[public], include_in_schema=False, opt=PAGE)
async def plan_timeline(request: AnyRequest, plan_id: FromPath[int], day: Day = None) -> Response[str]:
    svg = await tour_views.timeline(signed_in(request, "organizer"), plan_id, day, language_of(request))
    return Response(svg, media_type=SVG)


@get("/organizer/tour-plans/{plan_id:int}/manifest", guards=[public], include_in_schema=False, opt=PAGE)
async def plan_manifest(request: AnyRequest, plan_id: FromPath[int], day: Day = None) -> Template:
    context = await tour_views.manifest(signed_in(request, "organizer"), plan_id, day, language_of(request))
    return page(request, "tours/manifest.html", **context)


@post("/organizer/tour-plans/{plan_id:int}/publish", guards=[public], include_in_schema=False, opt=PAGE,
      status_code=303)
async def publish(request: AnyRequest, plan_id: FromPath[int]) -> Any:
    actor = signed_in(request, "organizer")
    await posted(request)
    try:
        done = await tour_plans.publish_plan(actor, plan_id, request.app.state.queue, request.app.state.clock)
    except DomainError as error:
        plan = await tour_plans.with_progress(await tour_plans.get_plan(actor, plan_id), request.app.state.queue)
        return page(request, "tours/plan.html", status=409, plan=plan, days=[], day=None, villages={}, routes=[],
                    running=False, date=date, told=None, errors=field_errors(error, request))
    return Redirect(f"/organizer/tour-plans/{plan_id}?told={done['told']}", status_code=303)


PAGES = [tour_page, start_plan, plan_page, plan_progress, plan_map, plan_timeline, plan_manifest, publish]
