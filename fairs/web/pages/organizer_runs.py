"""The organizer's runs of an event: interview matching and booth allocation. Start one, watch
it live (server-sent events, as the tour plans do), then read its figures and charts
(``fairs.core.charts``, drawn in the templates in the page's language)."""

from __future__ import annotations

from typing import Any

from litestar import get, post
from litestar.params import FromPath
from litestar.response import Redirect, ServerSentEvent, Template

from fairs.api.security import public
from fairs.api.streams import progress_events
from fairs.core import charts
from fairs.core.errors import Conflict, DomainError
from fairs.core.matching.model import INDUSTRY_POINTS, RANK_POINTS, SKILL_POINTS, SKILLS_COUNTED
from fairs.services import allocation, booths, fairs_setup, matching, participation
from fairs.web.pages.organizer_common import event_page_context
from fairs.web.view import PAGE, AnyRequest, field_errors, page, posted, signed_in

FIT_MAX = SKILL_POINTS * SKILLS_COUNTED + INDUSTRY_POINTS + 3 + 2 + 1 + RANK_POINTS[0]
"""The highest fit score (see ``core.matching.model.FitScore``): 28."""
FIT_EDGES = list(range(0, FIT_MAX + 1, 4))
CHARTS = {"Bar": charts.Bar, "StackedRow": charts.StackedRow, "bar_chart": charts.bar_chart,
          "histogram": charts.histogram, "stacked_bars": charts.stacked_bars, "funnel": charts.funnel}
"""The chart functions the result templates draw with (their texts are the templates')."""
SSE_HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}


async def _refused_on_event_page(request: AnyRequest, event_id: int, error: DomainError) -> Template:
    context = await event_page_context(request, event_id)
    return page(request, "organizer/event.html", status=409 if isinstance(error, Conflict) else 422,
                errors=field_errors(error, request), refusal=error.code, refusal_extra=error.extra, **context)


# ------------------------------------------------------------------ matching


@post("/organizer/events/{event_id:int}/match-runs", guards=[public], include_in_schema=False, opt=PAGE,
      status_code=303)
async def start_matching(request: AnyRequest, event_id: FromPath[int]) -> Any:
    actor = signed_in(request, "organizer")
    await posted(request)
    state = request.app.state
    try:
        run = await matching.start_match_run(actor, event_id, state.queue, state.clock)
    except DomainError as error:
        return await _refused_on_event_page(request, event_id, error)
    return Redirect(f"/organizer/match-runs/{run['id']}", status_code=303)


@get("/organizer/match-runs/{run_id:int}", guards=[public], include_in_schema=False, opt=PAGE)
async def match_run_page(request: AnyRequest, run_id: FromPath[int]) -> Template:
    actor = signed_in(request, "organizer")
    run = await matching.with_progress(await matching.get_match_run(actor, run_id), request.app.state.queue)
    event = await fairs_setup.get_event(run["event"], actor)
    context: dict[str, Any] = {"run": run, "event": event, "running": run["status"] in matching.ACTIVE_RUN}
    if run["status"] == "succeeded":
        scores = await matching.fit_scores(actor, run_id)
        context.update(fit_bins=charts.bin_values(scores, FIT_EDGES), interviews=len(scores),
                       zones=await booths.occupancy(actor, run["event"], request.app.state.clock),
                       unmatched=(await matching.unmatched(actor, run["event"]))["attendees"], **CHARTS)
    return page(request, "organizer/match_run.html", **context)


@get("/organizer/match-runs/{run_id:int}/progress", guards=[public], include_in_schema=False, opt=PAGE)
async def match_run_progress(request: AnyRequest, run_id: FromPath[int]) -> ServerSentEvent:
    actor = signed_in(request, "organizer")
    await matching.get_match_run(actor, run_id)  # 404 before the stream starts
    queue = request.app.state.queue

    async def fetch() -> dict[str, Any]:
        return await matching.with_progress(await matching.get_match_run(actor, run_id), queue)

    return ServerSentEvent(progress_events(fetch, lambda run: run["status"] in matching.FINISHED_RUN),
                           headers=SSE_HEADERS)


# ------------------------------------------------------------------ booth allocation


def _allocation_progress(run: dict[str, Any]) -> dict[str, Any]:
    """An allocation run reports no phases (it takes seconds): its status is its progress."""
    done = run["status"] in ("succeeded", "failed")
    return {**run, "progress": {"phase": run["status"], "percent": 100 if done else 0, "at": None}}


@post("/organizer/events/{event_id:int}/allocation-runs", guards=[public], include_in_schema=False, opt=PAGE,
      status_code=303)
async def start_allocation(request: AnyRequest, event_id: FromPath[int]) -> Any:
    actor = signed_in(request, "organizer")
    await posted(request)
    state = request.app.state
    try:
        await event_page_context(request, event_id)  # 404 for another area's event first
        run = await allocation.start_run(actor, event_id, state.queue, state.clock)
    except DomainError as error:
        return await _refused_on_event_page(request, event_id, error)
    return Redirect(f"/organizer/allocation-runs/{run['id']}", status_code=303)


@get("/organizer/allocation-runs/{run_id:int}", guards=[public], include_in_schema=False, opt=PAGE)
async def allocation_run_page(request: AnyRequest, run_id: FromPath[int]) -> Template:
    actor = signed_in(request, "organizer")
    run = _allocation_progress(await allocation.get_run(run_id, actor))
    event = await fairs_setup.get_event(run["event"], actor)
    context: dict[str, Any] = {"run": run, "event": event, "running": run["status"] not in ("succeeded", "failed")}
    if run["status"] == "succeeded":
        names = {p["organization"]: p["organization_name"]
                 for p in await participation.list_participations(actor, run["event"])}
        result = run["result"]
        context.update(
            zones=await booths.occupancy(actor, run["event"], request.app.state.clock), names=names,
            assignments=sorted(result.get("assignments", []), key=lambda a: a["booth_code"]),
            unassigned=result.get("unassigned", []), summary=result.get("summary", {}), **CHARTS)
    return page(request, "organizer/allocation_run.html", **context)


@get("/organizer/allocation-runs/{run_id:int}/progress", guards=[public], include_in_schema=False, opt=PAGE)
async def allocation_run_progress(request: AnyRequest, run_id: FromPath[int]) -> ServerSentEvent:
    actor = signed_in(request, "organizer")
    await allocation.get_run(run_id, actor)

    async def fetch() -> dict[str, Any]:
        run = _allocation_progress(await allocation.get_run(run_id, actor))
        return {k: run[k] for k in ("id", "event", "status", "progress", "error")}

    return ServerSentEvent(progress_events(fetch, lambda run: run["status"] in ("succeeded", "failed")),
                           headers=SSE_HEADERS)


PAGES = [start_matching, match_run_page, match_run_progress, start_allocation, allocation_run_page,
         allocation_run_progress]
