"""The organizer's pages: the campaign dashboard; setting up campaigns, venues and events;
an event's page (publish or cancel, import its venue's floor plan); employers' participation
decisions. Matching and booth allocation runs are in ``organizer_runs``, the check-in desk and
the admin in ``organizer_desk``. Every page is for organizers of the object's area: the
services scope each read and write (another area's object is a 404 page)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from litestar import get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from litestar.response import Redirect, Template

from fairs.api.security import public
from fairs.core.booth_rows import read_booth_csv
from fairs.core.errors import DomainError, InvalidInput
from fairs.services import fairs_setup, floorplans, participation, rollups
from fairs.services.areas import list_areas
from fairs.services.context import Actor
from fairs.web.i18n import N_
from fairs.web.pages import organizer_admin, organizer_desk, organizer_runs
from fairs.web.pages.organizer_common import event_page_context
from fairs.web.view import PAGE, AnyRequest, field_errors, form_values, page, posted, signed_in

MAX_CSV_BYTES = 512 * 1024
STATUS_CHANGES = ("published", "closed", "cancelled")


class FormProblem(Exception):
    """A field the page itself could not read (a date, a number): shown next to the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


# ------------------------------------------------------------------ dashboard


@get("/organizer", guards=[public], include_in_schema=False, opt=PAGE)
async def dashboard(request: AnyRequest) -> Template:
    actor = signed_in(request, "organizer")
    return page(request, "organizer/dashboard.html", campaigns=await rollups.area_campaigns(actor))


# ------------------------------------------------------------------ set-up


async def _setup_context(actor: Actor) -> dict[str, Any]:
    path = actor.area_path or ""
    areas = [a for a in await list_areas() if a["path"].startswith(path)]
    campaigns = await rollups.area_campaigns(actor)
    venues = [v for v in await fairs_setup.list_venues() if v["area"] in {a["id"] for a in areas}]
    return {"areas": areas, "campaign_choices": campaigns, "venues": venues,
            "campaign_kinds": fairs_setup.CAMPAIGN_KINDS, "event_kinds": fairs_setup.EVENT_KINDS}


@get("/organizer/setup", guards=[public], include_in_schema=False, opt=PAGE)
async def setup_page(request: AnyRequest) -> Template:
    actor = signed_in(request, "organizer")
    return page(request, "organizer/setup.html", **await _setup_context(actor))


def _int(form: dict[str, Any], name: str, *, required: bool = True) -> int | None:
    raw = str(form.get(name) or "").strip()
    if not raw:
        if required:
            raise FormProblem(name, N_("请填写。"))
        return None
    try:
        return int(raw)
    except ValueError:
        raise FormProblem(name, N_("请填写整数。")) from None


def _float(form: dict[str, Any], name: str) -> float | None:
    raw = str(form.get(name) or "").strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise FormProblem(name, N_("请填写数字，例如 27.83。")) from None


def _moment(day: str, clock: str, zone: str, field: str) -> datetime:
    try:
        return datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), ZoneInfo(zone))
    except ValueError:
        raise FormProblem(field, N_("请填写日期和时间。")) from None


async def _setup_refused(request: AnyRequest, actor: Actor, form: dict[str, Any], errors: dict[str, str],
                         which: str) -> Template:
    return page(request, "organizer/setup.html", status=422, errors=errors, values=form_values(form), which=which,
                **await _setup_context(actor))


@post("/organizer/campaigns", guards=[public], include_in_schema=False, opt=PAGE, status_code=303)
async def create_campaign(request: AnyRequest) -> Any:
    actor = signed_in(request, "organizer")
    form = await posted(request)
    try:
        area_id = _int(form, "area_id")
        assert area_id is not None
        await fairs_setup.create_campaign(actor, str(form.get("name", "")), str(form.get("kind", "")), area_id,
                                          str(form.get("description", "")), request.app.state.clock)
    except FormProblem as problem:
        return await _setup_refused(request, actor, form, {problem.field: problem.message}, "campaign")
    except DomainError as error:
        return await _setup_refused(request, actor, form, field_errors(error, request), "campaign")
    return Redirect("/organizer?done=campaign", status_code=303)


@post("/organizer/venues", guards=[public], include_in_schema=False, opt=PAGE, status_code=303)
async def create_venue(request: AnyRequest) -> Any:
    actor = signed_in(request, "organizer")
    form = await posted(request)
    settings = request.app.state.settings
    try:
        area_id = _int(form, "area_id")
        count = _int(form, "booth_count", required=False) or 0
        if not 0 <= count <= 500:
            raise FormProblem("booth_count", N_("展位数应在 0 到 500 之间。"))
        zone = str(form.get("zone", "")).strip()
        booths = [fairs_setup.BoothSpec(f"A{i:02d}", zone) for i in range(1, count + 1)]
        assert area_id is not None
        await fairs_setup.create_venue(actor, str(form.get("name", "")), area_id, str(form.get("address", "")),
                                       _float(form, "latitude"), _float(form, "longitude"), settings.timezone,
                                       booths, request.app.state.clock)
    except FormProblem as problem:
        return await _setup_refused(request, actor, form, {problem.field: problem.message}, "venue")
    except DomainError as error:
        return await _setup_refused(request, actor, form, field_errors(error, request), "venue")
    return Redirect("/organizer/setup?done=venue#event", status_code=303)


@post("/organizer/events", guards=[public], include_in_schema=False, opt=PAGE, status_code=303)
async def create_event(request: AnyRequest) -> Any:
    actor = signed_in(request, "organizer")
    form = await posted(request)
    settings = request.app.state.settings
    try:
        campaign_id, venue_id = _int(form, "campaign_id"), _int(form, "venue_id", required=False)
        assert campaign_id is not None
        venue = next((v for v in await fairs_setup.list_venues() if v["id"] == venue_id), None)
        zone = venue["timezone"] if venue else settings.timezone
        day = str(form.get("day", ""))
        close = str(form.get("applications_close_at", "")).strip()
        spec = fairs_setup.EventSpec(
            campaign_id=campaign_id, kind=str(form.get("kind", "onsite_fair")), title=str(form.get("title", "")),
            starts_at=_moment(day, str(form.get("starts", "")), zone, "starts"),
            ends_at=_moment(day, str(form.get("ends", "")), zone, "ends"), venue_id=venue_id,
            online_url=str(form.get("online_url", "")).strip(),
            interview_slot_minutes=_int(form, "interview_slot_minutes", required=False) or 20,
            interviews_per_attendee=_int(form, "interviews_per_attendee", required=False) or 3,
            booth_mode="application" if form.get("booth_mode") == "application" else "direct",
            applications_close_at=_moment(*close.split("T"), zone, "applications_close_at") if close else None,
            capacity=_int(form, "capacity", required=False))
        event = await fairs_setup.create_event(actor, spec, request.app.state.clock, settings.timezone)
    except FormProblem as problem:
        return await _setup_refused(request, actor, form, {problem.field: problem.message}, "event")
    except (DomainError, TypeError) as error:
        errors = field_errors(error, request) if isinstance(error, DomainError) else {
            "applications_close_at": N_("请填写日期和时间。")}
        errors = {_EVENT_FIELDS.get(k, k): v for k, v in errors.items()}
        return await _setup_refused(request, actor, form, errors, "event")
    return Redirect(f"/organizer/events/{event['id']}", status_code=303)


_EVENT_FIELDS = {"starts_at": "starts", "ends_at": "ends"}
"""The service's field names as the form calls them."""


# ------------------------------------------------------------------ one event


@get("/organizer/events/{event_id:int}", guards=[public], include_in_schema=False, opt=PAGE)
async def event_page(request: AnyRequest, event_id: FromPath[int]) -> Template:
    return page(request, "organizer/event.html", **await event_page_context(request, event_id))


@post("/organizer/events/{event_id:int}/status", guards=[public], include_in_schema=False, opt=PAGE,
      status_code=303)
async def change_status(request: AnyRequest, event_id: FromPath[int]) -> Any:
    actor = signed_in(request, "organizer")
    form = await posted(request)
    wanted = str(form.get("status", ""))
    try:
        if wanted not in STATUS_CHANGES:
            raise InvalidInput("must be published, closed or cancelled", "status")
        await fairs_setup.change_event(actor, event_id, wanted, None, request.app.state.clock)
    except DomainError as error:
        context = await event_page_context(request, event_id)
        return page(request, "organizer/event.html", status=409, errors=field_errors(error, request), **context)
    return Redirect(f"/organizer/events/{event_id}", status_code=303)


@post("/organizer/events/{event_id:int}/floor-plan", guards=[public], include_in_schema=False, opt=PAGE,
      status_code=303)
async def import_floor_plan(request: AnyRequest, event_id: FromPath[int]) -> Any:
    """A CSV of booths for the event's venue: all rows or none; each bad row is shown."""
    actor = signed_in(request, "organizer")
    form = await posted(request)
    context = await event_page_context(request, event_id)
    upload = form.get("file")
    try:
        if context["venue"] is None:
            raise InvalidInput("an online event has no venue", "file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise InvalidInput(N_("请选择一个 CSV 文件。"), "file")
        raw = await upload.read(MAX_CSV_BYTES + 1)
        if len(raw) > MAX_CSV_BYTES:
            raise InvalidInput(N_("文件太大（最多 512 KB）。"), "file")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("gb18030", errors="replace")  # Excel on a Chinese Windows saves GB18030
        rows = read_booth_csv(text)
        done = await floorplans.import_plan(actor, context["venue"]["id"], str(form.get("name") or "").strip(),
                                            None, None, rows, request.app.state.clock)
    except DomainError as error:
        errors = field_errors(error, request)
        row_errors = sorted((k, v) for k, v in errors.items() if k.startswith("rows["))
        return page(request, "organizer/event.html", status=422, values=form_values(
            {k: v for k, v in form.items() if k != "file"}), row_errors=row_errors,
            errors={k: v for k, v in errors.items() if not k.startswith("rows[")}, **context)
    return Redirect(f"/organizer/events/{event_id}?imported={done['created'] + done['updated']}", status_code=303)


# ------------------------------------------------------------------ participations


async def _participations_context(request: AnyRequest, event_id: int) -> dict[str, Any]:
    actor = signed_in(request, "organizer")
    context = await event_page_context(request, event_id)
    context["participations"] = await participation.list_participations(actor, event_id)
    return context


@get("/organizer/events/{event_id:int}/participations", guards=[public], include_in_schema=False, opt=PAGE)
async def participations_page(request: AnyRequest, event_id: FromPath[int]) -> Template:
    return page(request, "organizer/participations.html", **await _participations_context(request, event_id))


@post("/organizer/participations/{participation_id:int}/decision", guards=[public], include_in_schema=False,
      opt=PAGE, status_code=303)
async def decide(request: AnyRequest, participation_id: FromPath[int]) -> Any:
    actor = signed_in(request, "organizer")
    form = await posted(request)
    found = await participation.get_participation(actor, participation_id)
    try:
        priority = _int(form, "priority", required=False)
        await participation.decide(actor, participation_id, str(form.get("decision", "")),
                                   str(form.get("reason", "")), priority, request.app.state.clock)
    except (FormProblem, DomainError) as error:
        errors = ({error.field: error.message} if isinstance(error, FormProblem) else field_errors(error, request))
        context = await _participations_context(request, found["event"])
        return page(request, "organizer/participations.html", status=422, errors=errors, failed=participation_id,
                    values=form_values(form), **context)
    return Redirect(f"/organizer/events/{found['event']}/participations#p{participation_id}", status_code=303)


PAGES = [dashboard, setup_page, create_campaign, create_venue, create_event, event_page, change_status,
         import_floor_plan, participations_page, decide, *organizer_runs.PAGES, *organizer_desk.PAGES,
         *organizer_admin.PAGES]
