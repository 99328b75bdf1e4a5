"""Registrations and interview slots."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get, patch, post
from litestar.params import JSONBody, QueryParameter
from msgspec import UNSET

from fairs.api.idempotency import idempotent
from fairs.api.schemas import (
    AssistedRegistrationIn,
    AttendeeIn,
    InterviewAnswerIn,
    InterviewOut,
    RegistrationChangeIn,
    RegistrationIn,
    RegistrationOut,
    convert,
)
from fairs.api.schemas.common import MAX_ID, PathId, QueryId
from fairs.api.security import AnyRequest, actor_of, attendee, role, signed_in
from fairs.services import calendar, interviews, registrations
from fairs.services.people import KEEP, AttendeeDetails

CALENDAR = "text/calendar"  # Litestar adds "; charset=utf-8" to text/* types


def attendee_details(body: AttendeeIn) -> AttendeeDetails:
    return AttendeeDetails(
        name=body.name, phone=body.phone, consent=body.consent, home_area_id=body.home_area_id, email=body.email,
        skills=tuple(body.skills), desired_industries=tuple(body.desired_industries),
        priority_groups=tuple(body.priority_groups), language=body.language, birth_year=body.birth_year,
        certificates=tuple(body.certificates), max_commute_km=body.max_commute_km,
        needs_food_lodging=body.needs_food_lodging, wants_part_time=body.wants_part_time,
    )


def preferences(body: RegistrationIn | AssistedRegistrationIn | None) -> registrations.Preferences:
    if body is None:
        return registrations.Preferences()
    blocks = None if body.available_blocks is None else tuple(body.available_blocks)
    return registrations.Preferences(tuple(body.ranked_organizations), blocks)


class AttendanceController(Controller):
    tags = ["registrations and interviews"]

    @post("/events/{event_id:int}/registrations", guards=[attendee], status_code=201,
          description="I register myself for a published event. The body is optional: the employers I most want "
                      "to meet and the interview blocks I can come to (change them later with "
                      "PATCH /registrations/{id}).")
    async def register(self, request: AnyRequest, event_id: PathId,
                       data: JSONBody[RegistrationIn | None] = None) -> Response[RegistrationOut]:
        actor = actor_of(request)
        clock = request.app.state.clock
        chosen = preferences(data)

        async def write() -> RegistrationOut:
            return convert(await registrations.register_myself(actor, event_id, clock, chosen), RegistrationOut)

        return await idempotent(request, actor, 201, write, clock.now())

    @post("/events/{event_id:int}/assisted-registrations", guards=[role("staff", "organizer")], status_code=201,
          description="Service-station staff register a person on their behalf (found by phone, or created).")
    async def register_on_behalf(self, request: AnyRequest, event_id: PathId,
                                 data: JSONBody[AssistedRegistrationIn]) -> Response[RegistrationOut]:
        actor = actor_of(request)
        clock = request.app.state.clock
        details = attendee_details(data.attendee)
        chosen = preferences(data)

        async def write() -> RegistrationOut:
            row = await registrations.register_on_behalf(actor, event_id, details, clock, chosen)
            return convert(row, RegistrationOut)

        return await idempotent(request, actor, 201, write, clock.now())

    @get("/registrations", guards=[role("attendee", "staff", "organizer")],
         description="Attendees see theirs; organizers and staff those of their area's events and people "
                     "(one page by id: `after` is the last id seen).")
    async def list_registrations(self, request: AnyRequest,
                                 event_id: QueryId = None,
                                 after: Annotated[int, QueryParameter(ge=0, le=MAX_ID)] = 0,
                                 limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100) -> list[RegistrationOut]:
        rows = await registrations.list_registrations(actor_of(request), event_id, after, limit)
        return [convert(r, RegistrationOut) for r in rows]

    @patch("/registrations/{registration_id:int}", guards=[role("attendee", "staff", "organizer")],
           description="Change the employers I most want to meet (`ranked_organizations`, up to 5 taking part in "
                       "the event, best first) and/or the interview blocks I can come to (`available_blocks`, "
                       "`null` for all); fields left out stay as they are. Staff and organizers may do it for the "
                       "people whose registrations they may change. Only while the registration is active and the "
                       "event published.")
    async def change_registration(self, request: AnyRequest, registration_id: PathId,
                                  data: JSONBody[RegistrationChangeIn]) -> RegistrationOut:
        ranked = KEEP if data.ranked_organizations is UNSET else tuple(data.ranked_organizations)
        blocks = data.available_blocks
        row = await registrations.change_preferences(
            actor_of(request), registration_id, ranked,
            KEEP if blocks is UNSET else None if blocks is None else tuple(blocks))
        return convert(row, RegistrationOut)

    @post("/registrations/{registration_id:int}/cancel", guards=[role("attendee", "staff", "organizer")],
          status_code=200)
    async def cancel_registration(self, request: AnyRequest, registration_id: PathId) -> RegistrationOut:
        row = await registrations.cancel_registration(actor_of(request), registration_id, request.app.state.clock)
        return convert(row, RegistrationOut)

    @post("/registrations/{registration_id:int}/accept", guards=[role("attendee", "staff", "organizer")],
          status_code=200, description="Take the place offered from the waitlist, before its deadline.")
    async def accept_offer(self, request: AnyRequest, registration_id: PathId) -> RegistrationOut:
        row = await registrations.accept_offer(actor_of(request), registration_id, request.app.state.clock)
        return convert(row, RegistrationOut)

    @get("/interviews", guards=[role("attendee", "employer", "organizer")],
         description="My interview slots (attendee), my organization's schedule (employer), or all (organizer).")
    async def list_interviews(self, request: AnyRequest,
                              event_id: QueryId = None) -> list[InterviewOut]:
        rows = await interviews.list_interviews(actor_of(request), event_id)
        return [convert(r, InterviewOut) for r in rows]

    @get("/interviews/{interview_id:int}", guards=[signed_in])
    async def get_interview(self, request: AnyRequest, interview_id: PathId) -> InterviewOut:
        return convert(await interviews.interview_view(actor_of(request), interview_id), InterviewOut)

    @post("/interviews/{interview_id:int}/answer", guards=[attendee], status_code=200,
          description="Accept or decline a proposed interview.")
    async def answer(self, request: AnyRequest, interview_id: PathId,
                     data: JSONBody[InterviewAnswerIn]) -> InterviewOut:
        row = await interviews.respond(actor_of(request), interview_id, data.answer, request.app.state.clock,
                                       request.app.state.queue)
        return convert(row, InterviewOut)

    @get("/interviews/{interview_id:int}/calendar.ics", guards=[role("attendee", "employer")],
         media_type=CALENDAR, description="This interview as a calendar file, for me only.")
    async def interview_calendar(self, request: AnyRequest, interview_id: PathId,
                                 lang: Annotated[str, QueryParameter(pattern="^(zh|en)$")] = "zh") -> Response[bytes]:
        state = request.app.state
        body = await calendar.interview_file(actor_of(request), interview_id, state.settings.organizer_mailbox,
                                             lang, state.clock)
        return Response(body, media_type=CALENDAR,
                        headers={"Content-Disposition": f'attachment; filename="interview-{interview_id}.ics"'})
