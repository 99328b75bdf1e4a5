"""An employer's booths at one fair: the floor plan (inline SVG, every booth a link reachable by
Tab) and the same booths as a table, with what the employer can do there.

- direct booking: hold a free booth (its expiry counted down), confirm it, cancel it; a taken
  booth is answered with the free ones instead, as choices; wait for a booth (waitlist);
- application window: give ranked booth or zone preferences before it closes, then read the
  allocation's result and why.

Only approved employers act (the services refuse the others, and the page says why).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import quote

from litestar import get
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from fairs.api.security import public
from fairs.core.errors import DomainError
from fairs.services import allocation, booths, fairs_setup, floorplans, limits, participation, waitlist
from fairs.services.context import Actor
from fairs.web.pages.employer import CHOOSE_ONE, form_post, on_fields, status_of, whole_number
from fairs.web.view import PAGE, AnyRequest, language_of, page, posted, signed_in

ACTIVE = ("held", "confirmed")
RANKS = 5
"""Preference choices a form offers (ranked, best first)."""


def _address(event_id: int, plan_id: int | None, code: str) -> str:
    plan = f"plan={plan_id}&" if plan_id else ""
    return f"/employer/fairs/{event_id}/booths?{plan}booth={quote(code)}#booth-panel"


async def _context(request: AnyRequest, actor: Actor, event_id: int, selected: str | None = None,
                   plan_id: int | None = None) -> dict[str, Any]:
    event = await fairs_setup.get_event(event_id, actor)
    clock = request.app.state.clock
    now = clock.now()
    states = await booths.booth_states(event_id, clock)
    taking_part = next(iter(await participation.list_participations(actor, event_id)), None)
    reservations = []
    for row in await booths.list_reservations(actor, event_id):
        left = None if row["hold_expires_at"] is None else int((row["hold_expires_at"] - now).total_seconds())
        if row["status"] in ACTIVE and (left is None or left > 0):
            reservations.append({**row, "seconds_left": left})
    plans = await floorplans.list_plans(event["venue"]) if event["venue"] else []
    svg = ""
    if plans:
        svg = await floorplans.event_svg(event_id, plan_id, actor, language_of(request), clock,
                                         link=lambda code: _address(event_id, plan_id, code))
    window_open = (event["booth_mode"] == "application" and event["applications_close_at"] is not None
                   and now < event["applications_close_at"])
    return {
        "event": event, "booths": states, "taking_part": taking_part, "reservations": reservations,
        "approved": taking_part is not None and taking_part["status"] == "approved",
        "my_booths": {r["booth"] for r in reservations}, "plans": plans, "plan_id": plan_id, "svg": svg,
        "selected": next((b for b in states if b["code"] == selected), None),
        "zones": sorted({b["zone"] for b in states if b["zone"]}), "code_of": {b["id"]: b["code"] for b in states},
        "waiting": [w for w in await waitlist.list_entries(actor, event_id) if w["status"] in ("waiting", "offered")],
        "applications": await allocation.list_applications(actor, event_id), "window_open": window_open,
        "ranks": RANKS, "alternatives": [], "refusal": None,
        "hold_minutes": request.app.state.settings.booth_hold_minutes,
    }


async def _refused(request: AnyRequest, actor: Actor, event_id: int, error: DomainError,
                   values: Mapping[str, Any], selected: str | None = None) -> Template:
    """The booth page again, saying why (next to the field), with free booths instead of a
    taken one. Nothing was written: the service refused inside its transaction."""
    context = await _context(request, actor, event_id, selected)
    alternatives = error.extra.get("alternatives")
    context.update(refusal=error.code, alternatives=alternatives if isinstance(alternatives, list) else [])
    return page(request, "employer/booths.html", status=status_of(error), errors=on_fields(error, request),
                values=values, **context)


@get("/employer/fairs/{event_id:int}/booths", guards=[public], include_in_schema=False, opt=PAGE)
async def booth_map(request: AnyRequest, event_id: FromPath[int],
                    booth: Annotated[str | None, QueryParameter(max_length=20)] = None,
                    plan: Annotated[int | None, QueryParameter(ge=1)] = None) -> Template:
    context = await _context(request, signed_in(request, "employer"), event_id, booth, plan)
    return page(request, "employer/booths.html", **context)


@form_post("/employer/fairs/{event_id:int}/booths/hold")
async def hold(request: AnyRequest, event_id: FromPath[int]) -> Any:
    actor = signed_in(request, "employer")
    form = await posted(request)
    errors: dict[str, str] = {}
    booth_id = whole_number(form, "booth_id", errors, required=True)
    interviewers = whole_number(form, "interviewers", errors) or 2
    state = request.app.state
    if booth_id is None:
        context = await _context(request, actor, event_id)
        return page(request, "employer/booths.html", status=422, errors=errors, values=form, **context)
    try:
        await limits.before_booth_hold(getattr(state.queue, "pool", None), actor.organization_id)
        await booths.hold_booth(actor, event_id, booth_id, interviewers, state.settings.booth_hold_minutes,
                                state.clock)
    except DomainError as error:
        asked = next((b["code"] for b in await booths.booth_states(event_id, state.clock) if b["id"] == booth_id), None)
        return await _refused(request, actor, event_id, error, form, asked)
    return Redirect(f"/employer/fairs/{event_id}/booths?held=1#mine", status_code=303)


async def _change(request: AnyRequest, reservation_id: int, wanted: str) -> Any:
    actor = signed_in(request, "employer")
    await posted(request)
    reservation = await booths.get_reservation(actor, reservation_id)  # another's: 404
    event_id = reservation["event"]
    change = booths.confirm_reservation if wanted == "confirm" else booths.cancel_reservation
    try:
        await change(actor, reservation_id, request.app.state.clock)
    except DomainError as error:
        return await _refused(request, actor, event_id, error, {})
    done = "confirmed" if wanted == "confirm" else "cancelled"
    return Redirect(f"/employer/fairs/{event_id}/booths?{done}=1#mine", status_code=303)


@form_post("/employer/reservations/{reservation_id:int}/confirm")
async def confirm(request: AnyRequest, reservation_id: FromPath[int]) -> Any:
    return await _change(request, reservation_id, "confirm")


@form_post("/employer/reservations/{reservation_id:int}/cancel")
async def cancel(request: AnyRequest, reservation_id: FromPath[int]) -> Any:
    return await _change(request, reservation_id, "cancel")


def _preferences(form: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Ranked choices ``pref_1`` … as the services take them: ``zone:<zone>`` or ``booth:<id>``."""
    chosen: list[dict[str, Any]] = []
    for rank in range(1, RANKS + 1):
        kind, _, what = str(form.get(f"pref_{rank}", "")).partition(":")
        if kind == "zone" and what:
            chosen.append({"zone": what})
        elif kind == "booth" and what.isdigit():
            chosen.append({"booth_id": int(what)})
    return chosen


@form_post("/employer/fairs/{event_id:int}/waitlist")
async def join_waitlist(request: AnyRequest, event_id: FromPath[int]) -> Any:
    """Wait for a booth that fits (none chosen: any booth)."""
    actor = signed_in(request, "employer")
    form = await posted(request)
    try:
        await waitlist.join(actor, event_id, _preferences(form), request.app.state.clock)
    except DomainError as error:
        return await _refused(request, actor, event_id, error, form)
    return Redirect(f"/employer/fairs/{event_id}/booths?waiting=1#waitlist", status_code=303)


@form_post("/employer/waitlist/{entry_id:int}/withdraw")
async def leave_waitlist(request: AnyRequest, entry_id: FromPath[int]) -> Any:
    actor = signed_in(request, "employer")
    await posted(request)
    entry = await waitlist.get_entry(actor, entry_id)  # another's: 404
    try:
        await waitlist.withdraw(actor, entry_id)
    except DomainError as error:
        return await _refused(request, actor, entry["event"], error, {})
    return Redirect(f"/employer/fairs/{entry['event']}/booths#waitlist", status_code=303)


@form_post("/employer/fairs/{event_id:int}/booth-application")
async def apply_for_booths(request: AnyRequest, event_id: FromPath[int]) -> Any:
    """Give (or replace) ranked preferences while the application window is open."""
    actor = signed_in(request, "employer")
    form = await posted(request)
    preferences = _preferences(form)
    if not preferences:
        context = await _context(request, actor, event_id)
        return page(request, "employer/booths.html", status=422, errors={"preferences": CHOOSE_ONE}, values=form,
                    **context)
    try:
        await allocation.submit(actor, event_id, preferences, request.app.state.clock)
    except DomainError as error:
        return await _refused(request, actor, event_id, error, form)
    return Redirect(f"/employer/fairs/{event_id}/booths?applied=1#application", status_code=303)


PAGES = [booth_map, hold, confirm, cancel, join_waitlist, leave_waitlist, apply_for_booths]
