"""The organizer's reports: what a campaign achieved (the funnel from registration to a job kept
six months, by event, home village, employer, industry or priority group, with the
priority-group share at each stage and, for a village tour, the villages covered), printable
and downloadable as CSV or XLSX; and who saw which person's full phone number
(``data_rights.contact_reads``). The figures are the services' (``services/reports.py``); the
page only draws them (``core/charts.py``)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import get
from litestar.params import FromPath, QueryParameter
from litestar.response import Response, Template

from fairs.api.security import public
from fairs.core.errors import InvalidInput
from fairs.db.tables import Attendee
from fairs.services import data_rights, reports
from fairs.web.i18n import N_
from fairs.web.pages.attendee import GROUPS
from fairs.web.pages.organizer_runs import CHARTS
from fairs.web.view import PAGE, AnyRequest, page, signed_in

BY = ("event", "village", "employer", "industry", "priority_group")
"""The rows a report page offers (the service also knows ``campaign``: the totals alone)."""
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BY_NAMES = {"event": N_("按招聘会"), "village": N_("按家乡村"), "employer": N_("按企业"), "industry": N_("按行业"),
            "priority_group": N_("按重点群体")}
ROW_HEADINGS = {"event": N_("招聘会"), "village": N_("家乡村"), "employer": N_("企业"), "industry": N_("行业"),
                "priority_group": N_("重点群体")}
STAGE_NAMES = {"registrations": N_("报名"), "attended": N_("到场签到"), "interviewed": N_("参加面试"),
               "offers": N_("获得录用意向"), "hires": N_("录用"), "retained_1m": N_("1个月仍在岗"),
               "retained_3m": N_("3个月仍在岗"), "retained_6m": N_("6个月仍在岗")}
INDUSTRY_NAMES = {"manufacturing": N_("制造业"), "services": N_("服务业"), "logistics": N_("物流"),
                  "construction": N_("建筑业"), "retail": N_("零售"), "catering": N_("餐饮"),
                  "agriculture": N_("农业"), "care": N_("养老护理"), "domestic_services": N_("家政服务"),
                  "healthcare": N_("医疗卫生"), "education": N_("教育"), "it": N_("信息技术")}
VIA_NAMES = {"interview": N_("查看单场面试"), "interviews": N_("面试名单"), "booth_list": N_("展位排队名单")}


def _by(by: str) -> str:
    if by not in BY:
        raise InvalidInput(f"must be one of {', '.join(BY)}", "by")
    return by


async def _report(request: AnyRequest, campaign_id: int, by: str) -> dict[str, Any]:
    actor = signed_in(request, "organizer")
    return await reports.campaign_report(actor, campaign_id, _by(by))


def _share(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


ByParam = Annotated[str, QueryParameter(max_length=40)]


@get("/organizer/campaigns/{campaign_id:int}/report", guards=[public], include_in_schema=False, opt=PAGE)
async def report_page(request: AnyRequest, campaign_id: FromPath[int], by: ByParam = "event") -> Template:
    """The funnel chart, the priority share at each stage, the table, the village coverage."""
    report = await _report(request, campaign_id, by)
    totals = report["totals"]
    shares = {stage: _share(totals[f"priority_{stage}"], totals[stage]) for stage in reports.STAGES}
    names = dict(INDUSTRY_NAMES) if by == "industry" else dict(GROUPS) if by == "priority_group" else {}
    return page(request, "organizer/report.html", report=report, campaign=report["campaign"], by=report["by"],
                dimensions=BY, by_names=BY_NAMES, row_heading=ROW_HEADINGS[report["by"]], stages=reports.STAGES,
                stage_names=STAGE_NAMES, shares=shares, label_names=names, coverage=report["village_coverage"],
                **CHARTS)


@get("/organizer/campaigns/{campaign_id:int}/report.csv", guards=[public], include_in_schema=False, opt=PAGE)
async def report_csv(request: AnyRequest, campaign_id: FromPath[int], by: ByParam = "event") -> Response[bytes]:
    report = await _report(request, campaign_id, by)
    return Response(reports.report_csv(report).encode("utf-8"), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="campaign-{campaign_id}-{report["by"]}.csv"'})


@get("/organizer/campaigns/{campaign_id:int}/report.xlsx", guards=[public], include_in_schema=False, opt=PAGE)
async def report_xlsx(request: AnyRequest, campaign_id: FromPath[int], by: ByParam = "event") -> Response[bytes]:
    report = await _report(request, campaign_id, by)
    return Response(reports.report_xlsx(report), media_type=XLSX, headers={
        "Content-Disposition": f'attachment; filename="campaign-{campaign_id}-{report["by"]}.xlsx"'})


@get("/organizer/contact-reads", guards=[public], include_in_schema=False, opt=PAGE)
async def contact_reads_page(request: AnyRequest,
                             organization_id: Annotated[int | None, QueryParameter(ge=1)] = None) -> Template:
    """Who (an employer's account, its organization) was shown whose full phone number, and
    when, newest first; for the people of the organizer's area."""
    actor = signed_in(request, "organizer")
    every = await data_rights.contact_reads(actor, limit=1000)
    reads = every[:200] if organization_id is None else await data_rights.contact_reads(
        actor, organization_id=organization_id)
    organizations = sorted({(r["organization"], r["organization_name"]) for r in every}, key=lambda o: o[1])
    ids = sorted({r["attendee"] for r in reads})
    # The service answered only people this organizer may read: their names, for the table.
    people = {p["id"]: p["name"] for p in await Attendee.select(Attendee.id, Attendee.name).where(
        Attendee.id.is_in(ids or [-1]))}
    return page(request, "organizer/contact_reads.html", reads=reads, people=people, organizations=organizations,
                chosen=organization_id, via_names=VIA_NAMES, zone=request.app.state.settings.timezone)


PAGES = [report_page, report_csv, report_xlsx, contact_reads_page]
