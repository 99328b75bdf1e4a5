"""Employers: their organization, positions and booth reservations."""

from __future__ import annotations

from litestar import Controller, Response, get, post
from litestar.params import JSONBody

from fairs.api.idempotency import idempotent
from fairs.api.schemas import (
    HoldIn,
    OrganizationOut,
    PositionIn,
    PositionOut,
    ReservationOut,
    convert,
)
from fairs.api.schemas.common import PathId, QueryId
from fairs.api.security import AnyRequest, actor_of, employer, role
from fairs.services import booths, employers, limits


class EmployerController(Controller):
    tags = ["employers"]

    @get("/organizations", guards=[role("organizer", "employer")],
         description="Organizers see all organizations; an employer sees its own.")
    async def list_organizations(self, request: AnyRequest) -> list[OrganizationOut]:
        return [convert(r, OrganizationOut) for r in await employers.list_organizations(actor_of(request))]

    @get("/organizations/{organization_id:int}", guards=[role("organizer", "employer")])
    async def get_organization(self, request: AnyRequest, organization_id: PathId) -> OrganizationOut:
        return convert(await employers.get_organization(actor_of(request), organization_id), OrganizationOut)

    @post("/positions", guards=[employer], status_code=201, description="Post a position of my organization.")
    async def create_position(self, request: AnyRequest, data: JSONBody[PositionIn]) -> Response[PositionOut]:
        actor = actor_of(request)
        clock = request.app.state.clock
        spec = employers.PositionSpec(
            data.title, data.industry, data.headcount, tuple(data.skills), data.wage_min, data.wage_max,
            data.work_location, data.provides_food_lodging, data.accepts_older_workers, data.part_time,
            data.description, data.work_area_id, data.min_age, data.max_age, tuple(data.required_certificates))

        async def write() -> PositionOut:
            return convert(await employers.create_position(actor, spec, clock), PositionOut)

        return await idempotent(request, actor, 201, write, clock.now())

    @get("/positions", guards=[employer], description="My organization's positions.")
    async def list_positions(self, request: AnyRequest) -> list[PositionOut]:
        return [convert(r, PositionOut) for r in await employers.list_positions(actor_of(request))]

    @post("/events/{event_id:int}/reservations", guards=[employer], status_code=201,
          description="Hold a free booth; confirm it before the hold expires. 409 lists free alternatives.")
    async def hold(
        self, request: AnyRequest, event_id: PathId, data: JSONBody[HoldIn]
    ) -> Response[ReservationOut]:
        actor = actor_of(request)
        state = request.app.state
        await limits.before_booth_hold(getattr(state.queue, "pool", None), actor.organization_id)

        async def write() -> ReservationOut:
            row = await booths.hold_booth(actor, event_id, data.booth_id, data.interviewers,
                                          state.settings.booth_hold_minutes, state.clock)
            return convert(row, ReservationOut)

        return await idempotent(request, actor, 201, write, state.clock.now())

    @post("/reservations/{reservation_id:int}/confirm", guards=[employer], status_code=200)
    async def confirm(self, request: AnyRequest, reservation_id: PathId) -> ReservationOut:
        row = await booths.confirm_reservation(actor_of(request), reservation_id, request.app.state.clock)
        return convert(row, ReservationOut)

    @post("/reservations/{reservation_id:int}/cancel", guards=[employer], status_code=200)
    async def cancel(self, request: AnyRequest, reservation_id: PathId) -> ReservationOut:
        row = await booths.cancel_reservation(actor_of(request), reservation_id, request.app.state.clock)
        return convert(row, ReservationOut)

    @get("/reservations", guards=[role("organizer", "employer")],
         description="Organizers see all reservations; an employer sees its own.")
    async def list_reservations(self, request: AnyRequest,
                                event_id: QueryId = None) -> list[ReservationOut]:
        rows = await booths.list_reservations(actor_of(request), event_id)
        return [convert(r, ReservationOut) for r in rows]

    @get("/reservations/{reservation_id:int}", guards=[role("organizer", "employer")])
    async def get_reservation(self, request: AnyRequest, reservation_id: PathId) -> ReservationOut:
        return convert(await booths.get_reservation(actor_of(request), reservation_id), ReservationOut)
