"""Training cohorts: organizers of the cohort's area set them up; people enroll (themselves, or
helped by staff), and each gets the cohort as one recurring calendar entry."""

from __future__ import annotations

from datetime import date

from litestar import Controller, Response, get, post
from litestar.params import JSONBody

from fairs.api.idempotency import idempotent
from fairs.api.schemas import (
    CancelDayIn,
    EnrollmentIn,
    EnrollmentOut,
    TrainingCohortIn,
    TrainingCohortOut,
    convert,
)
from fairs.api.schemas.common import PathId, QueryId
from fairs.api.security import AnyRequest, actor_of, organizer, public, role
from fairs.core.errors import InvalidInput
from fairs.services import training


class TrainingController(Controller):
    tags = ["training cohorts"]

    @post("/training-cohorts", guards=[organizer], status_code=201,
          description="A draft cohort: a session every day for `days` days at the hours of the first session.")
    async def create_cohort(self, request: AnyRequest, data: JSONBody[TrainingCohortIn]
                            ) -> Response[TrainingCohortOut]:
        actor = actor_of(request)
        clock = request.app.state.clock
        spec = training.CohortSpec(
            data.title, data.first_session_starts_at, data.first_session_ends_at, data.days, data.venue_id,
            data.online_url, data.area_id, data.timezone, data.description, data.capacity)

        async def write() -> TrainingCohortOut:
            row = await training.create_cohort(actor, spec, clock, request.app.state.settings.timezone)
            return convert(row, TrainingCohortOut)

        return await idempotent(request, actor, 201, write, clock.now())

    @get("/training-cohorts", guards=[public],
         description="Published cohorts, soonest first; a signed-in organizer also sees the drafts and cancelled "
                     "cohorts of their area.")
    async def list_cohorts(self, request: AnyRequest,
                           area_id: QueryId = None) -> list[TrainingCohortOut]:
        rows = await training.list_cohorts(request.scope.get("user"), area_id)
        return [convert(r, TrainingCohortOut) for r in rows]

    @get("/training-cohorts/{cohort_id:int}", guards=[public])
    async def get_cohort(self, request: AnyRequest, cohort_id: PathId) -> TrainingCohortOut:
        return convert(await training.get_cohort(cohort_id, request.scope.get("user")), TrainingCohortOut)

    @post("/training-cohorts/{cohort_id:int}/publish", guards=[organizer], status_code=200)
    async def publish_cohort(self, request: AnyRequest, cohort_id: PathId) -> TrainingCohortOut:
        return convert(await training.publish_cohort(actor_of(request), cohort_id), TrainingCohortOut)

    @post("/training-cohorts/{cohort_id:int}/cancel-day", guards=[organizer], status_code=200,
          description="No session on that day (skipped, not made up): every enrolled person's entry gets a higher "
                      "SEQUENCE and an update whose file carries the EXDATE (or a text).")
    async def cancel_day(self, request: AnyRequest, cohort_id: PathId,
                         data: JSONBody[CancelDayIn]) -> TrainingCohortOut:
        try:
            day = date.fromisoformat(data.date)
        except ValueError:
            raise InvalidInput("must be a date such as 2027-03-18", "date") from None
        row = await training.cancel_day(actor_of(request), cohort_id, day, request.app.state.clock)
        return convert(row, TrainingCohortOut)

    @post("/training-cohorts/{cohort_id:int}/cancel", guards=[organizer], status_code=200,
          description="Cancel the whole cohort: every enrolled person's entry is cancelled (METHOD:CANCEL, higher "
                      "SEQUENCE, same UID), or they get a text.")
    async def cancel_cohort(self, request: AnyRequest, cohort_id: PathId) -> TrainingCohortOut:
        row = await training.cancel_cohort(actor_of(request), cohort_id, request.app.state.clock)
        return convert(row, TrainingCohortOut)

    @post("/training-cohorts/{cohort_id:int}/enrollments", guards=[role("attendee", "staff", "organizer")],
          status_code=201,
          description="An attendee enrolls themselves (no body); staff and organizers enroll a person they may "
                      "change (`attendee_id`). Up to the cohort's capacity (409 `cohort_full`). The person gets the "
                      "cohort as one recurring calendar entry by e-mail, or a text when they have no e-mail.")
    async def enroll(self, request: AnyRequest, cohort_id: PathId,
                     data: JSONBody[EnrollmentIn | None] = None) -> Response[EnrollmentOut]:
        actor = actor_of(request)
        clock = request.app.state.clock
        attendee_id = data.attendee_id if data is not None else None

        async def write() -> EnrollmentOut:
            return convert(await training.enroll(actor, cohort_id, attendee_id, clock), EnrollmentOut)

        return await idempotent(request, actor, 201, write, clock.now())

    @get("/training-cohorts/{cohort_id:int}/enrollments", guards=[role("attendee", "staff", "organizer")],
         description="The cohort's enrollments I may see: mine (attendee), my people's (staff), my area's "
                     "cohorts' (organizer).")
    async def list_enrollments(self, request: AnyRequest, cohort_id: PathId) -> list[EnrollmentOut]:
        rows = await training.list_enrollments(actor_of(request), cohort_id)
        return [convert(r, EnrollmentOut) for r in rows]

    @post("/training-enrollments/{enrollment_id:int}/withdraw", guards=[role("attendee", "staff", "organizer")],
          status_code=200, description="Leave the cohort: the calendar entry is cancelled (METHOD:CANCEL).")
    async def withdraw(self, request: AnyRequest, enrollment_id: PathId) -> EnrollmentOut:
        row = await training.withdraw(actor_of(request), enrollment_id, request.app.state.clock)
        return convert(row, EnrollmentOut)
