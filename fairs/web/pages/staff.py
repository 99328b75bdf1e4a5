"""Service-station staff's pages (就业驿站, 零工之家): look a person up by phone, register them
for a fair on their behalf (their consent read to them and recorded), print their slip with
the check-in code; register a whole list from a CSV file (all or nothing: see
fairs/services/bulk_registrations.py)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Response, Template

from fairs.api.security import public
from fairs.core.errors import Conflict, DomainError
from fairs.services import attendee_views, bulk_registrations, fairs_setup, people
from fairs.services import registrations as regs
from fairs.web.i18n import N_
from fairs.web.pages.attendee import (
    CONSENT_TEXT,
    GROUPS,
    HTML,
    WORK_KINDS,
    chosen,
    code_of,
    details_of,
    places,
    qr_svg,
    vocabulary,
)
from fairs.web.view import PAGE, AnyRequest, field_errors, form_values, page, posted, signed_in

TEMPLATE_CSV = ("姓名,手机号,地区,想做的工作,重点群体,本人同意\r\n"
                "张秀英,13812345678,南洲镇,保洁/家政;养老护理,大龄（50 岁以上）,是\r\n"
                "李建国,13912345678,430212101001,建筑;驾驶,,是\r\n")
COLUMN_NAMES = {"name": N_("姓名"), "phone": N_("手机号"), "area": N_("地区"), "work": N_("想做的工作"),
                "priority_groups": N_("重点群体"), "consent": N_("本人同意"), "file": N_("文件"),
                "home_area_id": N_("地区"), "event_id": N_("招聘会")}


async def open_fairs() -> list[dict[str, Any]]:
    return [e for e in await fairs_setup.list_events() if e["status"] == "published"]


async def _station(request: AnyRequest, status: int = 200, **context: Any) -> Template:
    signed_in(request, "staff")
    return page(request, "staff/station.html", status=status, places=await places(), fairs=await open_fairs(),
                work_kinds=WORK_KINDS, groups=GROUPS, consent_text=CONSENT_TEXT, **context)


@get("/station", guards=[public], include_in_schema=False, opt=PAGE)
async def station(request: AnyRequest, phone: Annotated[str | None, QueryParameter(max_length=40)] = None
                  ) -> Template:
    """Look up by the number the person tells (staff see it whole then), and the form to
    register them (filled in with what is known)."""
    actor = signed_in(request, "staff")
    found: list[dict[str, Any]] | None = None
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    if phone:
        try:
            found = await people.list_attendees(actor, phone=phone, limit=5)
        except DomainError as error:
            errors = {"lookup": field_errors(error, request).get("phone", "")}
        else:
            values = {"phone": phone.strip()}
            if found:
                values.update(name=found[0]["name"], home_area_id=found[0]["home_area"],
                              priority_groups=found[0]["priority_groups"])
    return await _station(request, status=422 if errors else 200, found=found, lookup=phone or "",
                          errors=errors, values=values)


@post("/station/register", guards=[public], include_in_schema=False, opt=PAGE, status_code=303,
      media_type=HTML)
async def register(request: AnyRequest) -> Any:
    actor = signed_in(request, "staff")
    form = await posted(request)
    event = str(form.get("event_id", ""))
    values = {**form_values(form), "work": chosen(form, "work"), "priority_groups": chosen(form, "priority_groups")}
    if not event.isdigit():
        return await _station(request, status=422, errors={"event_id": N_("请选择招聘会。")}, values=values)
    try:
        done = await regs.register_on_behalf(actor, int(event), details_of(form), request.app.state.clock)
    except DomainError as error:
        errors = {k.removeprefix("attendee."): v for k, v in field_errors(error, request).items()}
        existing = error.extra.get("registration_id") if isinstance(error, Conflict) else None
        return await _station(request, status=409 if isinstance(error, Conflict) else 422, errors=errors,
                              values=values, existing=existing)
    return Redirect(f"/station/slip/{done['id']}", status_code=303)


@get("/station/slip/{registration_id:int}", guards=[public], include_in_schema=False, opt=PAGE)
async def slip(request: AnyRequest, registration_id: FromPath[int]) -> Template:
    """The person's slip to take home: name, masked phone, the fair, time, place, check-in code."""
    sheet = await attendee_views.registration_sheet(signed_in(request, "staff"), registration_id)
    code = code_of(request, registration_id)
    return page(request, "staff/slip.html", code=code, qr=qr_svg(code), **sheet)


# --- a list from a CSV file ----------------------------------------------------------------


async def _import_page(request: AnyRequest, status: int = 200, **context: Any) -> Template:
    signed_in(request, "staff")
    return page(request, "staff/import.html", status=status, fairs=await open_fairs(), example=TEMPLATE_CSV,
                column_names=COLUMN_NAMES, max_rows=bulk_registrations.MAX_ROWS, **context)


@get("/station/import", guards=[public], include_in_schema=False, opt=PAGE)
async def import_form(request: AnyRequest) -> Template:
    return await _import_page(request)


@get("/station/import/template.csv", guards=[public], include_in_schema=False, opt=PAGE)
async def import_template(request: AnyRequest) -> Response[bytes]:
    signed_in(request, "staff")
    return Response(("\ufeff" + TEMPLATE_CSV).encode(), media_type="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="registrations.csv"'})


def report(error: DomainError) -> list[dict[str, Any]]:
    """The refusal's problems as table rows: line, column, message (``rows[N].column``)."""
    lines = []
    for problem in error.problems:
        where, _, column = problem.field.partition(".")
        line = int(where[5:-1]) if where.startswith("rows[") else None
        lines.append({"line": line, "column": column or where, "message": problem.message})
    return lines


@post("/station/import", guards=[public], include_in_schema=False, opt=PAGE, status_code=200)
async def import_file(request: AnyRequest) -> Template:
    actor = signed_in(request, "staff")
    form = await posted(request)
    event, upload = str(form.get("event_id", "")), form.get("file")
    values = {"event_id": event}
    if not event.isdigit():
        return await _import_page(request, status=422, errors={"event_id": N_("请选择招聘会。")}, values=values)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return await _import_page(request, status=422, errors={"file": N_("请选择 CSV 文件。")}, values=values)
    data = await upload.read()
    try:
        done = await bulk_registrations.import_registrations(actor, int(event), data, vocabulary(),
                                                             request.app.state.clock)
    except DomainError as error:
        rows = report(error)
        if all(r["line"] is None for r in rows):
            return await _import_page(request, status=422, values=values, errors={
                r["column"] if r["column"] in ("file", "event_id") else "file": r["message"] for r in rows})
        return await _import_page(request, status=422, values=values, problems=rows,
                                  bad_rows=len({r["line"] for r in rows}))
    return await _import_page(request, values=values, done=done)


PAGES = [station, register, slip, import_form, import_template, import_file]
