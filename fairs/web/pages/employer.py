"""Employer pages: my organization and its positions, the fairs I take part in (apply, the
organizer's decision), my interview schedule and my calendar. The booth map of a fair and
everything done on it is in ``employer_booths.py``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from itertools import groupby
from typing import Any

from litestar import MediaType, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template

from fairs.api.security import public
from fairs.core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from fairs.services import employers, fairs_setup, feeds, interviews, participation
from fairs.services.areas import list_areas
from fairs.services.context import Actor
from fairs.web import i18n
from fairs.web.i18n import N_
from fairs.web.view import PAGE, AnyRequest, field_errors, language_of, page, posted, signed_in

WHOLE_NUMBER = N_("请填写整数。")
REQUIRED = N_("请填写这一项。")
CHOOSE_ONE = N_("请至少选一个意向。")
TAG_SEPARATORS = re.compile(r"[,，、;；\n]+")
DOCUMENTS = ("business_licence",)
"""Documents every employer attaches (core/vetting.py asks for them); others are named freely."""
INDUSTRIES = ("manufacturing", "services", "construction", "logistics", "retail", "catering", "agriculture",
              "domestic_services", "healthcare", "education", "it")
STATUS = {InvalidInput: 422, Forbidden: 403, NotFound: 404, Conflict: 409}


def form_post(path: str, status_code: int = 303) -> Any:
    """A page's form post: answered by a redirect, or by the page again (HTML, never JSON)
    saying why it was refused."""
    return post(path, guards=[public], include_in_schema=False, opt=PAGE, media_type=MediaType.HTML,
                status_code=status_code)


def status_of(error: DomainError) -> int:
    return next((s for kind, s in STATUS.items() if isinstance(error, kind)), 400)


REFUSALS = {
    "must not be below wage_min": N_("不能低于最低月薪"),
    "must not be below min_age": N_("不能低于最小年龄"),
    "must be between 16 and 80": N_("要在 16 到 80 岁之间"),
    "must not be negative": N_("不能是负数"),
    "must be at least 1": N_("至少为 1"),
    "must be between 1 and 20": N_("要在 1 到 20 之间"),
    "must be 1 to 64 characters": N_("每项 1 到 64 个字"),
    "must be at most 64 characters": N_("每项最多 64 个字"),
}
"""Services' refusals of the employer's forms, said in the page's words (the others go
through refusals.po as they are)."""


def on_fields(error: DomainError, request: AnyRequest) -> dict[str, str]:
    """The refusal's messages by form field: ``skills[2]`` is said next to ``skills``."""
    _ = i18n.gettext_for(language_of(request))
    found: dict[str, str] = {}
    for name, message in field_errors(error, request).items():
        found.setdefault(re.sub(r"\[\d+\].*$", "", name), message)
    for problem in error.problems:
        if problem.message in REFUSALS:
            found[re.sub(r"\[\d+\].*$", "", problem.field)] = _(REFUSALS[problem.message])
    return found


def whole_number(form: Mapping[str, Any], name: str, errors: dict[str, str], *, required: bool = False
                 ) -> int | None:
    """The form field as a whole number; a message in ``errors`` when it is not one."""
    text = str(form.get(name, "")).strip()
    if not text:
        if required:
            errors[name] = REQUIRED
        return None
    try:
        return int(text)
    except ValueError:
        errors[name] = WHOLE_NUMBER
        return None


def tags(text: Any) -> tuple[str, ...]:
    """Tags typed in one field, separated by commas (either width), 、 or semicolons."""
    return tuple(t.strip() for t in TAG_SEPARATORS.split(str(text or "")) if t.strip())


def _employer(request: AnyRequest) -> Actor:
    return signed_in(request, "employer")


# --- my organization and its positions -------------------------------------------------------


@get("/employer", guards=[public], include_in_schema=False, opt=PAGE)
async def employer_home(request: AnyRequest) -> Template:
    actor = _employer(request)
    organization = await employers.get_organization(actor, employers.own_organization(actor))
    positions = await employers.list_positions(actor)
    return page(request, "employer/home.html", organization=organization, positions=positions)


async def _position_form(request: AnyRequest, position: dict[str, Any] | None, status: int = 200,
                         errors: dict[str, str] | None = None, values: Mapping[str, Any] | None = None) -> Template:
    if values is None:
        values = _as_form(position) if position else {"headcount": "1"}
    return page(request, "employer/position.html", status=status, position=position, errors=errors or {},
                values=values, areas=await list_areas(level="township"), industries=INDUSTRIES)


def _as_form(position: Mapping[str, Any]) -> dict[str, Any]:
    values = {k: ("" if v is None else v) for k, v in position.items()}
    values["skills"] = ", ".join(position["skills"] or ())
    values["required_certificates"] = ", ".join(position["required_certificates"] or ())
    values["work_area_id"] = position["work_area"] or ""
    return values


def _position_spec(form: Mapping[str, Any]) -> tuple[employers.PositionSpec | None, dict[str, str]]:
    errors: dict[str, str] = {}
    numbers = {name: whole_number(form, name, errors, required=name == "headcount")
               for name in ("headcount", "wage_min", "wage_max", "min_age", "max_age", "work_area_id")}
    if errors:
        return None, errors
    spec = employers.PositionSpec(
        title=str(form.get("title", "")), industry=str(form.get("industry", "")), headcount=numbers["headcount"] or 0,
        skills=tags(form.get("skills")), wage_min=numbers["wage_min"], wage_max=numbers["wage_max"],
        work_location=str(form.get("work_location", "")).strip(),
        provides_food_lodging=form.get("provides_food_lodging") == "1",
        accepts_older_workers=form.get("accepts_older_workers") == "1", part_time=form.get("part_time") == "1",
        description=str(form.get("description", "")).strip(), work_area_id=numbers["work_area_id"],
        min_age=numbers["min_age"], max_age=numbers["max_age"],
        required_certificates=tags(form.get("required_certificates")))
    return spec, errors


@get("/employer/positions/new", guards=[public], include_in_schema=False, opt=PAGE)
async def new_position(request: AnyRequest) -> Template:
    _employer(request)
    return await _position_form(request, None)


@form_post("/employer/positions")
async def create_position(request: AnyRequest) -> Any:
    actor = _employer(request)
    form = await posted(request)
    spec, errors = _position_spec(form)
    if spec is not None:
        try:
            await employers.create_position(actor, spec, request.app.state.clock)
        except DomainError as error:
            errors = on_fields(error, request)
    if errors:
        return await _position_form(request, None, 422, errors, form)
    return Redirect("/employer?saved=1#positions", status_code=303)


@get("/employer/positions/{position_id:int}", guards=[public], include_in_schema=False, opt=PAGE)
async def edit_position(request: AnyRequest, position_id: FromPath[int]) -> Template:
    position = await employers.get_position(_employer(request), position_id)
    return await _position_form(request, position)


@form_post("/employer/positions/{position_id:int}")
async def update_position(request: AnyRequest, position_id: FromPath[int]) -> Any:
    actor = _employer(request)
    position = await employers.get_position(actor, position_id)
    form = await posted(request)
    spec, errors = _position_spec(form)
    if spec is not None:
        try:
            await employers.update_position(actor, position_id, spec)
        except DomainError as error:
            errors = on_fields(error, request)
    if errors:
        return await _position_form(request, position, 422, errors, form)
    return Redirect("/employer?saved=1#positions", status_code=303)


# --- fairs: taking part ----------------------------------------------------------------------


async def _fairs_page(request: AnyRequest, actor: Actor, status: int = 200, failed: int | None = None,
                      errors: dict[str, str] | None = None, values: Mapping[str, Any] | None = None) -> Template:
    events = await fairs_setup.list_events()
    mine = {p["event"]: p for p in await participation.list_participations(actor)}
    return page(request, "employer/fairs.html", status=status, events=events, mine=mine, failed=failed,
                errors=errors or {}, values=values or {}, documents=DOCUMENTS)


@get("/employer/fairs", guards=[public], include_in_schema=False, opt=PAGE)
async def fairs_list(request: AnyRequest) -> Template:
    return await _fairs_page(request, _employer(request))


@form_post("/employer/fairs/{event_id:int}/participation")
async def apply(request: AnyRequest, event_id: FromPath[int]) -> Any:
    """Apply to take part, naming the documents attached (the organizer decides)."""
    actor = _employer(request)
    form = await posted(request)
    chosen = form.get("document", [])
    documents = [*(chosen if isinstance(chosen, list) else [chosen]), *tags(form.get("other_documents"))]
    try:
        await participation.apply(actor, event_id, tuple(documents), request.app.state.clock)
    except DomainError as error:
        return await _fairs_page(request, actor, status_of(error), event_id,
                                 {**on_fields(error, request), "code": error.code}, form)
    return Redirect(f"/employer/fairs?applied={event_id}#fair-{event_id}", status_code=303)


# --- interviews and the calendar -------------------------------------------------------------


async def _interviews_page(request: AnyRequest, actor: Actor, **extra: Any) -> Template:
    rows = sorted(await interviews.list_interviews(actor), key=lambda r: (r["event"], r["starts_at"], r["id"]))
    by_event = []
    for (event_id, title, zone), of_event in groupby(rows, key=lambda r: (r["event"], r["event_title"], r["timezone"])):
        slots = [(starts_at, list(at)) for starts_at, at in groupby(of_event, key=lambda r: r["starts_at"])]
        by_event.append({"id": event_id, "title": title, "timezone": zone, "slots": slots})
    by_event.sort(key=lambda e: e["slots"][0][0])
    return page(request, "employer/interviews.html", events=by_event, count=len(rows),
                feed_since=await feeds.live_since(actor), **extra)


@get("/employer/interviews", guards=[public], include_in_schema=False, opt=PAGE)
async def interview_schedule(request: AnyRequest) -> Template:
    return await _interviews_page(request, _employer(request))


@get("/employer/interviews/{interview_id:int}/why", guards=[public], include_in_schema=False, opt=PAGE)
async def interview_why(request: AnyRequest, interview_id: FromPath[int]) -> Template:
    actor = _employer(request)
    interview = await interviews.interview_view(actor, interview_id)
    return page(request, "employer/why.html", interview=interview, why=await interviews.why(actor, interview_id))


@get("/employer/calendar.ics", guards=[public], include_in_schema=False, opt=PAGE)
async def calendar_file(request: AnyRequest) -> Response[bytes]:
    """My booths and interviews as one calendar file (the same items my feed lists)."""
    state = request.app.state
    body = await feeds.file_of(_employer(request), state.settings.organizer_mailbox, state.clock.now(),
                               language_of(request))
    return Response(body, media_type="text/calendar", headers={
        "Content-Disposition": 'attachment; filename="fairs-employer.ics"', "Cache-Control": "no-store"})


@form_post("/employer/calendar/feed", status_code=200)
async def subscribe(request: AnyRequest) -> Template:
    """Issue my subscription address (revoking the previous one); shown once, on this answer."""
    actor = _employer(request)
    await posted(request)
    token, _since = await feeds.issue(actor, request.app.state.clock)
    url = f"{request.app.state.settings.public_base_url.rstrip('/')}/calendar/{token}.ics"
    return await _interviews_page(request, actor, feed_url=url, webcal_url="webcal://" + url.split("://", 1)[1])


@form_post("/employer/calendar/feed/revoke")
async def unsubscribe(request: AnyRequest) -> Redirect:
    actor = _employer(request)
    await posted(request)
    await feeds.revoke(actor, request.app.state.clock)
    return Redirect("/employer/interviews?revoked=1#calendar", status_code=303)


PAGES = [employer_home, new_position, create_position, edit_position, update_position, fairs_list, apply,
         interview_schedule, interview_why, calendar_file, subscribe, unsubscribe]
