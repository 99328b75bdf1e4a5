"""The employer's day at a fair, at the booth, on a phone: booked interviews by time and
walk-in numbers in one list (``walk_ins.booth_list``), a big button calling the next number,
each walk-in marked served or gone, each interview's outcome once it has begun (a hire names
the position and the first working day), and the booth's QR code, printed and put on the
table, which opens the attendee's take-a-number page (``attendee_walk_in.py``).

Only an employer with a confirmed booth at the fair has a day there (else 404).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import get
from litestar.params import FromPath
from litestar.response import Redirect, Template

from fairs.api.security import public
from fairs.core.errors import DomainError, NotFound
from fairs.db.tables import InterviewSlot
from fairs.services import booths, employers, fairs_setup, outcomes, walk_ins
from fairs.services.context import Actor
from fairs.web import i18n
from fairs.web.i18n import N_
from fairs.web.pages.attendee import qr_svg
from fairs.web.pages.employer import form_post, status_of
from fairs.web.view import PAGE, AnyRequest, field_errors, language_of, page, posted, signed_in

REFUSALS = {
    "interview_not_begun": N_("面试开始后才能标记结果。"),
    "interview_not_kept": N_("这场面试已取消或被婉拒，没有结果可标记。"),
    "walk_in_done": N_("这个号已经处理过了。"),
    "a hire names the position": N_("录用请选择岗位。"),
    "a hire names the first working day as YYYY-MM-DD": N_("录用请填写到岗日期。"),
    "no such position of this employer": N_("请选择本企业的岗位。"),
    "must be on or after the interview, within a year": N_("到岗日期要在面试当天或之后，一年以内。"),
    "must be one of no_show, attended, offer, hired": N_("请选择一个面试结果。"),
}
"""The services' refusals on this page, in the page's words (by code, else by message)."""
KEPT = ("proposed", "accepted")


def _employer(request: AnyRequest) -> Actor:
    return signed_in(request, "employer")


def _refusal(error: DomainError, request: AnyRequest) -> dict[str, str]:
    """``{field: message}`` of a refusal, said in this page's words where it has them."""
    _ = i18n.gettext_for(language_of(request))
    found = field_errors(error, request)
    for problem in error.problems:
        if problem.message in REFUSALS:
            found[problem.field] = _(REFUSALS[problem.message])
    if error.code in REFUSALS:
        field = next(iter(found), "form")
        found[field] = _(REFUSALS[error.code])
    return found


async def _booth(actor: Actor, event_id: int) -> dict[str, Any]:
    """My confirmed booth at the fair; none: the fair is not mine to run a day at (404)."""
    mine = [r for r in await booths.list_reservations(actor, event_id) if r["status"] == "confirmed"]
    if not mine:
        raise NotFound("no such event", field="event_id")
    return mine[0]


def walk_in_address(request: AnyRequest, event_id: int, organization_id: int) -> str:
    base = request.app.state.settings.public_base_url.rstrip("/")
    return f"{base}/walk-in/{event_id}/{organization_id}"


async def _context(request: AnyRequest, actor: Actor, event_id: int) -> dict[str, Any]:
    booth = await _booth(actor, event_id)
    event = await fairs_setup.get_event(event_id, actor)
    day = await walk_ins.booth_list(actor, event_id)
    marked = {r["id"]: r for r in await InterviewSlot.select(  # the outcomes marked so far, to show them
        InterviewSlot.id, InterviewSlot.outcome, InterviewSlot.hired_position, InterviewSlot.start_date,
        InterviewSlot.hired_position.title.as_alias("hired_title")).where(
        InterviewSlot.event == event_id, InterviewSlot.organization == actor.organization_id)}
    now = request.app.state.clock.now()
    rows = []
    for row in sorted(day["rows"], key=lambda r: (r["at"], r["kind"], r["number"] or 0, r["id"])):
        if row["kind"] == "interview":
            row = {**row, **{k: v for k, v in marked.get(row["id"], {}).items() if k != "id"},
                   "kept": row["status"] in KEPT, "begun": row["at"] <= now}
        rows.append(row)
    address = walk_in_address(request, event_id, booth["organization"])
    return {"event": event, "booth": booth, "rows": rows, "waiting": day["waiting"],
            "positions": [p for p in await employers.list_positions(actor) if p["active"]],
            "walk_in_url": address, "qr": qr_svg(address), "called": None, "nobody": False,
            "failed": None, "errors": {}, "values": {}}


async def _day_page(request: AnyRequest, actor: Actor, event_id: int, status: int = 200, **extra: Any) -> Template:
    context = await _context(request, actor, event_id)
    context.update(extra)
    return page(request, "employer/day.html", status=status, **context)


@get("/employer/day", guards=[public], include_in_schema=False, opt=PAGE)
async def my_fair_days(request: AnyRequest) -> Template:
    """The fairs where I have a confirmed booth, each leading to its day."""
    actor = _employer(request)
    mine = {r["event"]: r["booth_code"] for r in await booths.list_reservations(actor) if r["status"] == "confirmed"}
    events = [e for e in await fairs_setup.list_events(actor) if e["id"] in mine]
    return page(request, "employer/day_fairs.html", events=events, booth_codes=mine)


@get("/employer/fairs/{event_id:int}/day", guards=[public], include_in_schema=False, opt=PAGE)
async def fair_day(request: AnyRequest, event_id: FromPath[int]) -> Template:
    actor = _employer(request)
    context = await _context(request, actor, event_id)
    called = request.query_params.get("called", "")
    if called.isdigit():
        context["called"] = next((r for r in context["rows"] if r["kind"] == "walk_in" and r["id"] == int(called)),
                                 None)
    context["nobody"] = request.query_params.get("nobody") == "1"
    return page(request, "employer/day.html", **context)


@get("/employer/fairs/{event_id:int}/day/qr", guards=[public], include_in_schema=False, opt=PAGE)
async def booth_qr(request: AnyRequest, event_id: FromPath[int]) -> Template:
    """The booth's QR code on a page of its own, to print and put on the table."""
    actor = _employer(request)
    booth = await _booth(actor, event_id)
    event = await fairs_setup.get_event(event_id, actor)
    organization = await employers.get_organization(actor, booth["organization"])
    address = walk_in_address(request, event_id, booth["organization"])
    return page(request, "employer/day_qr.html", event=event, booth=booth, organization=organization,
                walk_in_url=address, qr=qr_svg(address))


@form_post("/employer/fairs/{event_id:int}/day/call-next")
async def call_next(request: AnyRequest, event_id: FromPath[int]) -> Any:
    """Call the next number; the page says whom (or that nobody is waiting)."""
    actor = _employer(request)
    await posted(request)
    await _booth(actor, event_id)
    called = await walk_ins.call_next(actor, event_id, request.app.state.clock)
    if called is None:
        return Redirect(f"/employer/fairs/{event_id}/day?nobody=1#call", status_code=303)
    return Redirect(f"/employer/fairs/{event_id}/day?called={called['id']}#call", status_code=303)


@form_post("/employer/fairs/{event_id:int}/day/walk-ins/{walk_in_id:int}/done")
async def finish_walk_in(request: AnyRequest, event_id: FromPath[int], walk_in_id: FromPath[int]) -> Any:
    actor = _employer(request)
    form = await posted(request)
    await _booth(actor, event_id)
    try:
        await walk_ins.finish(actor, walk_in_id, str(form.get("status", "")), request.app.state.clock)
    except NotFound:
        raise
    except DomainError as error:
        return await _day_page(request, actor, event_id, status_of(error), failed=("walk_in", walk_in_id),
                               errors=_refusal(error, request))
    return Redirect(f"/employer/fairs/{event_id}/day#walk-in-{walk_in_id}", status_code=303)


def _outcome_form(form: Mapping[str, Any]) -> tuple[str, int | None, str | None]:
    position = str(form.get("hired_position_id", "")).strip()
    return (str(form.get("outcome", "")), int(position) if position.isdigit() else None,
            str(form.get("start_date", "")).strip() or None)


@form_post("/employer/fairs/{event_id:int}/day/interviews/{interview_id:int}/outcome")
async def mark_outcome(request: AnyRequest, event_id: FromPath[int], interview_id: FromPath[int]) -> Any:
    """Mark what happened at an interview; a refusal is said next to the field (409: before
    the interview began, or it was not kept)."""
    actor = _employer(request)
    form = await posted(request)
    await _booth(actor, event_id)
    outcome, position_id, start_date = _outcome_form(form)
    try:
        await outcomes.mark_outcome(actor, interview_id, outcome, position_id, start_date, request.app.state.clock)
    except NotFound:
        raise
    except DomainError as error:
        return await _day_page(request, actor, event_id, status_of(error), failed=("interview", interview_id),
                               errors=_refusal(error, request), values=form)
    return Redirect(f"/employer/fairs/{event_id}/day?marked={interview_id}#interview-{interview_id}",
                    status_code=303)


PAGES = [my_fair_days, fair_day, booth_qr, call_next, finish_walk_in, mark_outcome]
