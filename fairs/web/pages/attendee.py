"""Job seekers' pages: sign up in a few taps (what work I want, chosen from picture tiles),
register for a fair, my registrations and interview slots (accept or decline, add to my
calendar, the booth map), my check-in code, and a printable "my fair day" sheet.

The picture tiles and the priority groups live here (they are page vocabulary: a tile stands
for the industry and skill codes matching uses); the staff pages and the CSV import use the
same ones."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import segno
from litestar import MediaType, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template

from fairs.api.security import TOKEN_LIFETIME, issue_token, public
from fairs.core.checkin import checkin_code
from fairs.core.contact import normalize_mobile
from fairs.core.errors import DomainError, NotFound
from fairs.core.matching import PRIORITY_GROUPS
from fairs.services import accounts, attendee_views, calendar, fairs_setup, feeds, floorplans, interviews
from fairs.services import registrations as regs
from fairs.services.areas import list_areas
from fairs.services.bulk_registrations import Vocabulary
from fairs.services.context import SYSTEM_CLOCK
from fairs.services.people import CONSENT_VERSION, AttendeeDetails
from fairs.web.i18n import N_
from fairs.web.view import (
    PAGE,
    AnyRequest,
    field_errors,
    form_values,
    language_of,
    page,
    posted,
    session_cookie,
    signed_in,
)


@dataclass(frozen=True)
class WorkKind:
    key: str
    icon: str
    label: str
    industries: tuple[str, ...]
    skills: tuple[str, ...]


WORK_KINDS = (
    WorkKind("factory", "🏭", N_("制造/普工"), ("manufacturing",), ("assembly", "packing")),
    WorkKind("catering", "🍳", N_("餐饮"), ("services",), ("cooking",)),
    WorkKind("cleaning", "🧹", N_("保洁/家政"), ("services",), ("cleaning",)),
    WorkKind("logistics", "🚚", N_("物流/仓储"), ("logistics",), ("warehouse", "forklift")),
    WorkKind("construction", "🏗️", N_("建筑"), ("construction",), ("carpentry",)),
    WorkKind("retail", "🛍️", N_("零售/直播带货"), ("retail",), ("sales", "livestream")),
    WorkKind("care", "👵", N_("养老护理"), ("care",), ("elder_care",)),
    WorkKind("farming", "🌾", N_("农业"), ("agriculture",), ("planting",)),
    WorkKind("repair", "🔧", N_("维修/电工"), ("manufacturing",), ("electrician",)),
    WorkKind("driving", "🚗", N_("驾驶"), ("logistics",), ("driving",)),
    WorkKind("sewing", "🧵", N_("缝纫"), ("manufacturing",), ("sewing",)),
    WorkKind("security", "🛡️", N_("保安"), ("services",), ("security",)),
)
GROUPS = (
    ("older_worker", N_("大龄（50 岁以上）")), ("rural_labour", N_("农村劳动力")), ("laid_off", N_("失业人员")),
    ("low_skill", N_("没有技能证书")), ("disabled", N_("残疾人")), ("veteran", N_("退役军人")),
    ("new_graduate", N_("应届毕业生")),
)
assert {g for g, _ in GROUPS} == PRIORITY_GROUPS
CONSENT_TEXT = N_("我同意就业服务机构为招聘会使用我的姓名、手机号、住址（乡镇/村）和求职意向，用来安排面试和发送通知。"
                  "不收集身份证号；在我接受面试之前，企业看不到我的完整手机号。")
STATUS = {
    "registered": N_("已报名"), "waitlisted": N_("候补中"), "offered": N_("有空位，待确认"), "checked_in": N_("已签到"),
    "cancelled": N_("已取消"), "expired": N_("已过期"), "proposed": N_("待您确认"), "accepted": N_("已接受"),
    "declined": N_("已谢绝"),
}
ICS = "text/calendar"
HTML = MediaType.HTML  # a handler that may answer a page or a redirect says so (else text/plain)


def vocabulary() -> Vocabulary:
    """The words a CSV file may use for work and groups: the keys, and the Chinese labels
    (whole, or each part of "制造/普工")."""
    work: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for kind in WORK_KINDS:
        for word in (kind.key, kind.label, *kind.label.split("/")):
            work[word] = (kind.industries, kind.skills)
    groups = {**{g: g for g, _ in GROUPS}, **{label: g for g, label in GROUPS}}
    return Vocabulary(work=work, groups=groups)


def chosen(form: dict[str, Any], name: str) -> list[str]:
    value = form.get(name)
    return [str(v) for v in value] if isinstance(value, list) else [str(value)] if value else []


def details_of(form: dict[str, Any]) -> AttendeeDetails:
    """What a sign-up (or a staff member's) form says about the person."""
    kinds = [k for k in WORK_KINDS if k.key in chosen(form, "work")]
    area = str(form.get("home_area_id") or "")
    return AttendeeDetails(
        name=str(form.get("name", "")).strip(), phone=str(form.get("phone", "")).strip(),
        consent=form.get("consent") == "1", home_area_id=int(area) if area.isdigit() else 0,
        skills=tuple(dict.fromkeys(s for k in kinds for s in k.skills)),
        desired_industries=tuple(dict.fromkeys(i for k in kinds for i in k.industries)),
        priority_groups=tuple(g for g in chosen(form, "priority_groups") if g in PRIORITY_GROUPS))


async def places() -> list[dict[str, Any]]:
    """Townships and their villages, in tree order, each with the name of what it lies in."""
    everything = await list_areas()
    names = {a["id"]: a["name"] for a in everything}
    return [{**a, "within": names.get(a["parent"], "")} for a in everything if a["level"] in ("township", "village")]


def qr_svg(text: str) -> str:
    """The QR code of ``text`` as inline SVG (no XML declaration), scaled by CSS."""
    return str(segno.make(text, error="m").svg_inline(scale=4, border=2, omitsize=True))


def code_of(request: AnyRequest, registration_id: int) -> str:
    return checkin_code(registration_id, request.app.state.settings.secret_key)


def person_context() -> dict[str, Any]:
    return {"work_kinds": WORK_KINDS, "groups": GROUPS, "consent_text": CONSENT_TEXT,
            "consent_version": CONSENT_VERSION}


# --- signing up ----------------------------------------------------------------------------


@get("/register", guards=[public], include_in_schema=False, opt=PAGE)
async def sign_up_form(request: AnyRequest) -> Template:
    return page(request, "attendee/register.html", places=await places(), **person_context())


@post("/register", guards=[public], include_in_schema=False, opt=PAGE, status_code=303, media_type=HTML)
async def sign_up(request: AnyRequest) -> Any:
    """The login is the phone number; signed in at once, then to "my" page."""
    form = await posted(request)
    details = details_of(form)
    try:
        login = normalize_mobile(details.phone, "phone")
        actor = await accounts.sign_up_attendee(details, login, str(form.get("password", "")), request.app.state.clock)
    except DomainError as error:
        errors = field_errors(error, request)
        if "login" in errors:
            errors = {"phone": N_("这个手机号已经注册过，请直接登录。")}
        return page(request, "attendee/register.html", status=422, places=await places(), errors=errors,
                    values={**form_values(form), "work": chosen(form, "work"),
                            "priority_groups": chosen(form, "priority_groups")}, **person_context())
    token, _ = issue_token(actor, request.app.state.settings.secret_key, SYSTEM_CLOCK.now())  # as /login: real time
    return Redirect("/my", status_code=303,
                    cookies=[session_cookie(token, request, int(TOKEN_LIFETIME.total_seconds()))])


# --- registering for a fair ----------------------------------------------------------------


async def _fair_form(request: AnyRequest, event_id: int, status: int = 200, **context: Any) -> Template:
    event = await fairs_setup.get_event(event_id)
    return page(request, "attendee/fair_register.html", status=status, event=event,
                blocks=attendee_views.block_times(event), employers=await attendee_views.employers_at(event_id),
                max_ranked=regs.MAX_RANKED, **context)


@get("/my/register/{event_id:int}", guards=[public], include_in_schema=False, opt=PAGE)
async def fair_form(request: AnyRequest, event_id: FromPath[int]) -> Template:
    signed_in(request, "attendee")
    return await _fair_form(request, event_id)


@post("/my/register/{event_id:int}", guards=[public], include_in_schema=False, opt=PAGE, status_code=303,
      media_type=HTML)
async def register_for_fair(request: AnyRequest, event_id: FromPath[int]) -> Any:
    actor = signed_in(request, "attendee")
    form = await posted(request)
    ranked = [int(form[f"rank{i}"]) for i in range(1, regs.MAX_RANKED + 1) if str(form.get(f"rank{i}", "")).isdigit()]
    blocks = [int(b) for b in chosen(form, "blocks") if b.isdigit()]
    all_blocks = form.get("all_blocks") == "1" or not blocks
    try:
        await regs.register_myself(actor, event_id, request.app.state.clock, regs.Preferences(
            tuple(ranked), None if all_blocks else tuple(blocks)))
    except DomainError as error:
        errors = {k.split("[")[0]: v for k, v in field_errors(error, request).items()}
        return await _fair_form(request, event_id, status=422 if error.code != "registration_once_per_event" else 409,
                                errors=errors, values={**form, "blocks": chosen(form, "blocks")})
    return Redirect("/my", status_code=303)


# --- my registrations and interviews --------------------------------------------------------


async def _mine(request: AnyRequest) -> dict[str, Any]:
    actor = signed_in(request, "attendee")
    registrations = [r for r in await regs.list_registrations(actor) if r["status"] not in ("cancelled", "expired")]
    slots = await interviews.list_interviews(actor)
    events = {}
    for event_id in dict.fromkeys([r["event"] for r in registrations] + [s["event"] for s in slots]):
        try:
            events[event_id] = await fairs_setup.get_event(event_id)
        except NotFound:  # no longer public (cancelled): left out
            continue
    return {"registrations": [r for r in registrations if r["event"] in events], "events": events,
            "slots": [s for s in slots if s["event"] in events], "status_names": STATUS}


@get("/my", guards=[public], include_in_schema=False, opt=PAGE)
async def my_page(request: AnyRequest) -> Template:
    return page(request, "attendee/my.html", **await _mine(request))


@post("/my/interviews/{interview_id:int}/answer", guards=[public], include_in_schema=False, opt=PAGE,
      status_code=303, media_type=HTML)
async def answer(request: AnyRequest, interview_id: FromPath[int]) -> Any:
    actor = signed_in(request, "attendee")
    form = await posted(request)
    choice = form.get("answer")
    if choice not in ("accepted", "declined"):
        return page(request, "attendee/my.html", status=422, errors={"form": N_("请选择接受或谢绝。")},
                    **await _mine(request))
    try:
        await interviews.respond(actor, interview_id, str(choice), request.app.state.clock, request.app.state.queue)
    except DomainError as error:
        if isinstance(error, NotFound):
            raise
        return page(request, "attendee/my.html", status=409, errors=field_errors(error, request),
                    **await _mine(request))
    return Redirect("/my", status_code=303)


@get("/my/interviews/{interview_id:int}/calendar.ics", guards=[public], include_in_schema=False, opt=PAGE)
async def interview_calendar(request: AnyRequest, interview_id: FromPath[int]) -> Response[bytes]:
    state = request.app.state
    body = await calendar.interview_file(signed_in(request, "attendee"), interview_id,
                                         state.settings.organizer_mailbox, language_of(request), state.clock)
    return Response(body, media_type=ICS,
                    headers={"Content-Disposition": f'attachment; filename="interview-{interview_id}.ics"'})


@post("/my/feed", guards=[public], include_in_schema=False, opt=PAGE, status_code=200)
async def subscribe(request: AnyRequest) -> Template:
    """A new subscription address (the old one stops working); shown once."""
    actor = signed_in(request, "attendee")
    await posted(request)
    token, _ = await feeds.issue(actor, request.app.state.clock)
    url = f"{request.app.state.settings.public_base_url.rstrip('/')}/calendar/{token}.ics"
    return page(request, "attendee/feed.html", url=url, webcal_url="webcal://" + url.split("://", 1)[1])


@get("/my/map/{event_id:int}", guards=[public], include_in_schema=False, opt=PAGE)
async def booth_map(request: AnyRequest, event_id: FromPath[int]) -> Template:
    """The fair's floor plan with the booths of my interviews highlighted."""
    actor = signed_in(request, "attendee")
    event = await fairs_setup.get_event(event_id)
    slots = [s for s in await interviews.list_interviews(actor, event_id) if s["status"] in ("proposed", "accepted")]
    codes = sorted({s["booth_code"] for s in slots if s["booth_code"]})
    svg = await floorplans.event_svg(event_id, None, actor, language_of(request), request.app.state.clock,
                                     highlight_codes=codes)
    return page(request, "attendee/map.html", event=event, svg=svg, slots=slots)


# --- check-in code and my fair day ----------------------------------------------------------


@get("/my/checkin/{registration_id:int}", guards=[public], include_in_schema=False, opt=PAGE)
async def checkin(request: AnyRequest, registration_id: FromPath[int]) -> Template:
    sheet = await attendee_views.registration_sheet(signed_in(request, "attendee"), registration_id)
    code = code_of(request, registration_id)
    return page(request, "attendee/checkin.html", code=code, qr=qr_svg(code), **sheet)


@get("/my/day/{event_id:int}", guards=[public], include_in_schema=False, opt=PAGE)
async def fair_day(request: AnyRequest, event_id: FromPath[int]) -> Template:
    """One printable page: the fair, the place, my slots and booths, my check-in code, what to bring."""
    actor = signed_in(request, "attendee")
    mine = [r for r in await regs.list_registrations(actor, event_id) if r["status"] not in ("cancelled", "expired")]
    if not mine:
        raise NotFound("no such registration", field="event_id")
    sheet = await attendee_views.registration_sheet(actor, mine[0]["id"])
    slots = [s for s in await interviews.list_interviews(actor, event_id) if s["status"] in ("proposed", "accepted")]
    code = code_of(request, mine[0]["id"])
    return page(request, "attendee/day.html", code=code, qr=qr_svg(code), slots=slots, status_names=STATUS,
                **sheet)


PAGES = [sign_up_form, sign_up, fair_form, register_for_fair, my_page, answer, interview_calendar, subscribe,
         booth_map, checkin, fair_day]
