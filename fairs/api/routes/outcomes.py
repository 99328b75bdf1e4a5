"""What the fairs achieved: interview outcomes, follow-up calls, campaign reports (JSON, CSV,
XLSX), and a person's data rights (export, deletion; organizers see employers' contact reads)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from litestar import Controller, Response, delete, get, post
from litestar.params import JSONBody, QueryParameter

from fairs.api.schemas import (
    BoothListOut,
    CheckInIn,
    CheckInOut,
    ContactReadOut,
    FollowUpAnswerIn,
    FollowUpOut,
    OutcomeIn,
    OutcomeOut,
    ReportOut,
    ScanResultOut,
    ScanSyncIn,
    WalkInDoneIn,
    WalkInIn,
    WalkInOut,
    convert,
)
from fairs.api.schemas.common import PathId, QueryId
from fairs.api.security import AnyRequest, actor_of, attendee, employer, organizer, role
from fairs.services import checkin, data_rights, outcomes, reports, walk_ins

By = Annotated[Literal["campaign", "event", "village", "employer", "industry", "priority_group"],
               QueryParameter(description="Rows by campaign, event, the people's home village, employer, "
                                          "industry or priority group.")]


class OutcomeController(Controller):
    tags = ["outcomes and reports"]

    @post("/interviews/{interview_id:int}/outcome", guards=[role("employer", "organizer")], status_code=200,
          description="Mark what happened: no_show, attended, offer, hired (a hire names the position and the first "
                      "working day). Only once the interview has begun; a later mark corrects an earlier one.")
    async def mark(self, request: AnyRequest, interview_id: PathId, data: JSONBody[OutcomeIn]) -> OutcomeOut:
        row = await outcomes.mark_outcome(actor_of(request), interview_id, data.outcome, data.hired_position_id,
                                          data.start_date, request.app.state.clock)
        return convert(row, OutcomeOut)

    @get("/follow-ups", guards=[role("staff", "organizer")],
         description="Follow-up calls: a staff member's station's, an organizer's area's. Open ones by default.")
    async def follow_ups(self, request: AnyRequest,
                         status: Annotated[Literal["open", "done", "all"], QueryParameter()] = "open"
                         ) -> list[FollowUpOut]:
        return [convert(r, FollowUpOut) for r in await outcomes.list_follow_ups(actor_of(request), status)]

    @post("/follow-ups/{follow_up_id:int}/answer", guards=[role("staff", "organizer")], status_code=200)
    async def answer(self, request: AnyRequest, follow_up_id: PathId,
                     data: JSONBody[FollowUpAnswerIn]) -> FollowUpOut:
        row = await outcomes.record_answer(actor_of(request), follow_up_id, data.answer, data.note,
                                           request.app.state.clock)
        return convert(row, FollowUpOut)

    @get("/campaigns/{campaign_id:int}/report", guards=[organizer],
         description="The funnel (registrations → attended → interviewed → offers → hires → still employed at 1, 3 "
                     "and 6 months), with the priority-group count at each stage, by the dimension asked for; and, "
                     "for a village tour, the share of its villages that got a stop.")
    async def report(self, request: AnyRequest, campaign_id: PathId, by: By = "event") -> ReportOut:
        return convert(await reports.campaign_report(actor_of(request), campaign_id, by), ReportOut)

    @get("/campaigns/{campaign_id:int}/report.csv", guards=[organizer], media_type="text/csv")
    async def report_csv(self, request: AnyRequest, campaign_id: PathId, by: By = "event") -> Response[str]:
        report = await reports.campaign_report(actor_of(request), campaign_id, by)
        return Response(reports.report_csv(report), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="campaign-{campaign_id}-{by}.csv"'})

    @get("/campaigns/{campaign_id:int}/report.xlsx", guards=[organizer],
         media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    async def report_xlsx(self, request: AnyRequest, campaign_id: PathId, by: By = "event"
                          ) -> Response[bytes]:
        report = await reports.campaign_report(actor_of(request), campaign_id, by)
        return Response(reports.report_xlsx(report),
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f'attachment; filename="campaign-{campaign_id}-{by}.xlsx"'})

    @get("/me/data", guards=[attendee], description="Everything held about me (PIPL), as one JSON document.")
    async def my_data(self, request: AnyRequest) -> dict[str, object]:
        return await data_rights.export_mine(actor_of(request))

    @delete("/me", guards=[attendee], status_code=204,
            description="Delete me: I am anonymised at once (the counts keep me, nothing names me) and signed out.")
    async def delete_me(self, request: AnyRequest) -> None:
        await data_rights.delete_mine(actor_of(request), request.app.state.clock)
        request.app.state.actors.forget()  # this process at once; the others when notified

    @get("/contact-reads", guards=[organizer],
         description="Every time an employer account was shown the full phone number of a person of my area.")
    async def contact_reads(self, request: AnyRequest,
                            attendee_id: QueryId = None,
                            organization_id: QueryId = None
                            ) -> list[ContactReadOut]:
        rows = await data_rights.contact_reads(actor_of(request), attendee_id, organization_id)
        return [convert(r, ContactReadOut) for r in rows]

    @post("/events/{event_id:int}/walk-ins", guards=[role("attendee", "staff", "organizer")], status_code=201,
          description="Take a queue number at an employer's booth (an attendee for themselves; desk staff for someone, "
                      "with name and phone). Asking again gives the number already held.")
    async def take_number(self, request: AnyRequest, event_id: PathId, data: JSONBody[WalkInIn]
                          ) -> WalkInOut:
        row = await walk_ins.take_number(actor_of(request), event_id, data.organization_id, data.name, data.phone,
                                         request.app.state.clock)
        return convert(row, WalkInOut)

    @get("/events/{event_id:int}/booth-list", guards=[employer],
         description="My day at the fair: booked interviews and walk-in numbers in one list.")
    async def booth_list(self, request: AnyRequest, event_id: PathId) -> BoothListOut:
        return convert(await walk_ins.booth_list(actor_of(request), event_id), BoothListOut)

    @post("/events/{event_id:int}/walk-ins/call-next", guards=[employer], status_code=200,
          description="Call the next number; the next few waiting get a text to come back to the booth. "
                      "Null when nobody is waiting.")
    async def call_next(self, request: AnyRequest, event_id: PathId) -> WalkInOut | None:
        row = await walk_ins.call_next(actor_of(request), event_id, request.app.state.clock)
        return None if row is None else convert(row, WalkInOut)

    @post("/walk-ins/{walk_in_id:int}/done", guards=[employer], status_code=200)
    async def done(self, request: AnyRequest, walk_in_id: PathId, data: JSONBody[WalkInDoneIn]) -> WalkInOut:
        return convert(await walk_ins.finish(actor_of(request), walk_in_id, data.status, request.app.state.clock),
                       WalkInOut)

    @post("/events/{event_id:int}/check-ins", guards=[organizer], status_code=200,
          description="The desk scans or types a check-in code: the person is checked in once; a later scan answers "
                      "`already` with the first arrival's time.")
    async def check_in(self, request: AnyRequest, event_id: PathId, data: JSONBody[CheckInIn]) -> CheckInOut:
        state = request.app.state
        done = await checkin.check_in(actor_of(request), event_id, data.code, state.settings.secret_key, state.clock)
        return convert(asdict(done), CheckInOut)

    @post("/events/{event_id:int}/check-ins/sync", guards=[organizer], status_code=200,
          description="An offline desk's queued scans, each with when it was scanned and the desk's id for it: "
                      "one answer per scan (checked_in, already, refused); syncing again or from two desks never "
                      "counts anyone twice.")
    async def sync(self, request: AnyRequest, event_id: PathId, data: JSONBody[ScanSyncIn]
                   ) -> list[ScanResultOut]:
        state = request.app.state
        scans = [checkin.Scan(s.code, s.scanned_at, s.client_id) for s in data.scans]
        answers = await checkin.sync_scans(actor_of(request), event_id, scans, state.settings.secret_key, state.clock)
        return [convert(a, ScanResultOut) for a in answers]
