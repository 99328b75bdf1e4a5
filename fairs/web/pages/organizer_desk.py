"""The check-in desk of an event: a text field that a person types into, or that a USB or
phone barcode scanner "types" into (it ends with Enter, which submits). Each code marks one
arrival (``services.checkin``); a repeated scan says when the person arrived. Works without
JavaScript (each scan is a page); with HTMX only the desk's part of the page is replaced.

Village stops often have no network: with JavaScript the page keeps scanning while offline
(``static/desk.js``): each scan is kept in the browser (localStorage) with the time it was
scanned and an id, and sent to ``…/sync`` when the network is back; the server counts each
person once however many desks scanned them (``checkin.sync_scans``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import get, post
from litestar.params import FromPath
from litestar.response import Template

from fairs.api.security import public
from fairs.core.errors import Conflict, DomainError, InvalidInput, NotFound
from fairs.services import checkin
from fairs.web.view import PAGE, AnyRequest, check_csrf, field_errors, page, posted, signed_in


async def _desk(request: AnyRequest, event_id: int, status: int = 200, **context: Any) -> Template:
    actor = signed_in(request, "organizer")
    summary = await checkin.desk_summary(actor, event_id)
    return page(request, "organizer/desk.html", status=status, **summary, **context)


@get("/organizer/desk/{event_id:int}", guards=[public], include_in_schema=False, opt=PAGE)
async def desk_page(request: AnyRequest, event_id: FromPath[int]) -> Template:
    return await _desk(request, event_id)


@post("/organizer/desk/{event_id:int}", guards=[public], include_in_schema=False, opt=PAGE, status_code=200)
async def scan(request: AnyRequest, event_id: FromPath[int]) -> Template:
    actor = signed_in(request, "organizer")
    form = await posted(request)
    code = str(form.get("code", ""))
    try:
        done = await checkin.check_in(actor, event_id, code, request.app.state.settings.secret_key,
                                      request.app.state.clock)
    except NotFound as missing:
        if missing.code != "other_event":
            raise  # another area's event: the 404 page
        return await _desk(request, event_id, 404, errors=field_errors(missing, request), values={"code": code},
                           refusal="other_event")
    except DomainError as error:
        status = 409 if isinstance(error, Conflict) else 422
        return await _desk(request, event_id, status, errors=field_errors(error, request), values={"code": code},
                           refusal=error.code)
    return await _desk(request, event_id, done=done)


@post("/organizer/desk/{event_id:int}/sync", guards=[public], include_in_schema=False, opt=PAGE, status_code=200)
async def sync(request: AnyRequest, event_id: FromPath[int]) -> dict[str, Any]:
    """What the desk's page queued while offline (JSON ``{"scans": [{code, scanned_at,
    client_id}]}``, CSRF token in ``X-CSRF-Token``): one answer per scan (see
    ``checkin.sync_scans``), and the desk's counts after."""
    actor = signed_in(request, "organizer")
    check_csrf(request, request.headers.get("x-csrf-token", ""))
    try:
        body = msgspec.json.decode(await request.body(), type=SyncBody)
    except (msgspec.ValidationError, msgspec.DecodeError) as error:
        raise InvalidInput(str(error), "scans") from None
    scans = [checkin.Scan(s.code, s.scanned_at, s.client_id) for s in body.scans]
    answers = await checkin.sync_scans(actor, event_id, scans, request.app.state.settings.secret_key,
                                       request.app.state.clock)
    summary = await checkin.desk_summary(actor, event_id)
    return {"answers": [{**a, "checked_in_at": a["checked_in_at"].isoformat() if a["checked_in_at"] else None}
                        for a in answers], "checked_in": summary["checked_in"], "expected": summary["expected"]}


class QueuedScan(msgspec.Struct):
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    scanned_at: datetime
    client_id: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class SyncBody(msgspec.Struct):
    scans: Annotated[list[QueuedScan], msgspec.Meta(max_length=500)]


PAGES = [desk_page, scan, sync]
