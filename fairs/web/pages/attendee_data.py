"""A job seeker's own data (个人信息保护法): download everything held about me as one JSON file,
and delete me — after a confirmation page that says plainly what is erased and what is kept
(without my name) for the statistics. Deleting anonymises the person at once
(``data_rights.delete_mine``), ends the session and says goodbye."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from litestar import get, post
from litestar.response import Response, Template

from fairs.api.security import SESSION_COOKIE, public
from fairs.services import data_rights
from fairs.web.i18n import N_
from fairs.web.pages.attendee import HTML
from fairs.web.view import PAGE, AnyRequest, cleared, page, posted, signed_in

CONFIRM_FIRST = N_("请先勾选“我确认注销”，才能注销。")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


@get("/my/data", guards=[public], include_in_schema=False, opt=PAGE)
async def my_data(request: AnyRequest) -> Template:
    signed_in(request, "attendee")
    return page(request, "attendee/data.html")


@get("/my/data/download", guards=[public], include_in_schema=False, opt=PAGE)
async def download(request: AnyRequest) -> Response[bytes]:
    """Everything held about me, as a JSON file to keep."""
    held = await data_rights.export_mine(signed_in(request, "attendee"))
    body = json.dumps(held, ensure_ascii=False, indent=2, default=_plain).encode("utf-8")
    return Response(body, media_type="application/json; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="my-data.json"', "Cache-Control": "no-store"})


@get("/my/data/delete", guards=[public], include_in_schema=False, opt=PAGE)
async def confirm_delete(request: AnyRequest) -> Template:
    signed_in(request, "attendee")
    return page(request, "attendee/data_delete.html")


@post("/my/data/delete", guards=[public], include_in_schema=False, opt=PAGE, status_code=200, media_type=HTML)
async def delete(request: AnyRequest) -> Template:
    """Only with the box ticked; then anonymised, signed out, and a goodbye page."""
    actor = signed_in(request, "attendee")
    form = await posted(request)
    if form.get("confirm") != "yes":
        return page(request, "attendee/data_delete.html", status=422, errors={"confirm": CONFIRM_FIRST})
    await data_rights.delete_mine(actor, request.app.state.clock)
    goodbye = page(request, "attendee/data_deleted.html", actor=None)
    goodbye.cookies.append(cleared(SESSION_COOKIE))
    return goodbye


PAGES = [my_data, download, confirm_delete, delete]
