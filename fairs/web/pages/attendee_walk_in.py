"""Taking a number at a busy booth (现场取号): the page the booth's QR code opens. A signed-in
attendee taps one button and gets a number and how many are ahead; the page refreshes that
every 20 seconds (HTMX polling; without JavaScript, a plain reload link). Signing in first
comes back here.
"""

from __future__ import annotations

from typing import Any

from litestar import get
from litestar.params import FromPath
from litestar.response import Redirect, Template

from fairs.api.security import public
from fairs.core.errors import DomainError, NotFound
from fairs.db.tables import WalkIn
from fairs.services import attendee_views, fairs_setup, walk_ins
from fairs.services.context import Actor
from fairs.web import i18n
from fairs.web.i18n import N_
from fairs.web.pages.employer import form_post, status_of
from fairs.web.view import PAGE, AnyRequest, field_errors, language_of, page, posted, signed_in

REFUSALS = {
    "event_over": N_("这场招聘会已经结束，不能再取号。"),
    "this employer has no booth at the fair": N_("这家企业在这场招聘会没有展位。"),
}
POLL_SECONDS = 20


async def _booth(event_id: int, organization_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fair and the employer with a confirmed booth there (public), else 404."""
    event = await fairs_setup.get_event(event_id)
    exhibitor = next((e for e in await attendee_views.employers_at(event_id)
                      if e["id"] == organization_id and e["booths"]), None)
    if exhibitor is None:
        raise NotFound("no such booth", field="organization_id")
    return event, exhibitor


async def _my_number(actor: Actor, event_id: int, organization_id: int) -> dict[str, Any] | None:
    """My latest number at this booth, with how many waiting numbers are before it."""
    row = await WalkIn.select(WalkIn.id, WalkIn.number, WalkIn.status, WalkIn.called_at).where(
        WalkIn.event == event_id, WalkIn.organization == organization_id,
        WalkIn.attendee == actor.attendee_id).order_by(WalkIn.number, ascending=False).first()
    if row is not None:
        row["ahead"] = await WalkIn.count().where(
            WalkIn.event == event_id, WalkIn.organization == organization_id, WalkIn.status == "waiting",
            WalkIn.number < row["number"])
    return row


async def _walk_in_page(request: AnyRequest, actor: Actor, event_id: int, organization_id: int, status: int = 200,
                        errors: dict[str, str] | None = None) -> Template:
    event, exhibitor = await _booth(event_id, organization_id)
    mine = await _my_number(actor, event_id, organization_id)
    return page(request, "attendee/walk_in.html", status=status, event=event, exhibitor=exhibitor, mine=mine,
                live=mine is not None and mine["status"] in walk_ins.LIVE, poll_seconds=POLL_SECONDS,
                errors=errors or {})


@get("/walk-in/{event_id:int}/{organization_id:int}", guards=[public], include_in_schema=False, opt=PAGE)
async def walk_in(request: AnyRequest, event_id: FromPath[int], organization_id: FromPath[int]) -> Template:
    return await _walk_in_page(request, signed_in(request, "attendee"), event_id, organization_id)


@form_post("/walk-in/{event_id:int}/{organization_id:int}")
async def take_number(request: AnyRequest, event_id: FromPath[int], organization_id: FromPath[int]) -> Any:
    """Take a number (asking again gives the one I hold)."""
    actor = signed_in(request, "attendee")
    await posted(request)
    await _booth(event_id, organization_id)
    try:
        await walk_ins.take_number(actor, event_id, organization_id, clock=request.app.state.clock)
    except DomainError as error:
        _ = i18n.gettext_for(language_of(request))
        said = REFUSALS.get(error.code) or next((REFUSALS[p.message] for p in error.problems
                                                 if p.message in REFUSALS), None)
        errors = {"form": _(said)} if said else {"form": next(iter(field_errors(error, request).values()))}
        return await _walk_in_page(request, actor, event_id, organization_id, status_of(error), errors)
    return Redirect(f"/walk-in/{event_id}/{organization_id}?taken=1#ticket", status_code=303)


PAGES = [walk_in, take_number]
