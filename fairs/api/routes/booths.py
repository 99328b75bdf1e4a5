"""Taking part in an event, and the organizer's booth controls."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Response, delete, get, post, put
from litestar.params import JSONBody, QueryParameter

from fairs.api.idempotency import idempotent
from fairs.api.schemas import (
    AllocationRunOut,
    AvailabilityIn,
    BlockIn,
    BoothApplicationIn,
    BoothApplicationOut,
    DecisionIn,
    MoveIn,
    ParticipationIn,
    ParticipationOut,
    ReservationOut,
    WaitlistIn,
    WaitlistOut,
    ZoneOccupancyOut,
    convert,
)
from fairs.api.schemas.common import PathId, QueryId
from fairs.api.security import AnyRequest, actor_of, employer, organizer, role
from fairs.services import allocation, booths, participation, waitlist


class BoothController(Controller):
    tags = ["booths"]

    @post("/events/{event_id:int}/participations", guards=[employer], status_code=201,
          description="Apply to take part in an event (vetting flags are computed for the organizer).")
    async def apply(self, request: AnyRequest, event_id: PathId,
                    data: JSONBody[ParticipationIn]) -> Response[ParticipationOut]:
        actor = actor_of(request)
        clock = request.app.state.clock

        async def write() -> ParticipationOut:
            row = await participation.apply(actor, event_id, tuple(data.documents), clock)
            return convert(row, ParticipationOut)

        return await idempotent(request, actor, 201, write, clock.now())

    @get("/participations", guards=[role("organizer", "employer")],
         description="Organizers: those of their area's events; employers: their own.")
    async def list_participations(
        self, request: AnyRequest, event_id: QueryId = None,
        status: Annotated[str | None, QueryParameter(pattern="^(applied|approved|rejected|withdrawn)$")] = None,
    ) -> list[ParticipationOut]:
        rows = await participation.list_participations(actor_of(request), event_id, status)
        return [convert(r, ParticipationOut) for r in rows]

    @get("/participations/{participation_id:int}", guards=[role("organizer", "employer")])
    async def get_participation(self, request: AnyRequest, participation_id: PathId) -> ParticipationOut:
        return convert(await participation.get_participation(actor_of(request), participation_id), ParticipationOut)

    @post("/participations/{participation_id:int}/decision", guards=[organizer], status_code=200,
          description="Approve or reject (with a reason); the priority tier orders the allocation run.")
    async def decide(self, request: AnyRequest, participation_id: PathId,
                     data: JSONBody[DecisionIn]) -> ParticipationOut:
        row = await participation.decide(actor_of(request), participation_id, data.decision, data.reason,
                                         data.priority, request.app.state.clock)
        return convert(row, ParticipationOut)

    @put("/participations/{participation_id:int}/availability", guards=[role("organizer", "employer")],
         description="The interview blocks of the event (indexes into its `interview_blocks`) an approved employer "
                     "interviews in; `null`: all. Employers set their own; organizers of the event's area may set it "
                     "for them.")
    async def set_availability(self, request: AnyRequest, participation_id: PathId,
                               data: JSONBody[AvailabilityIn]) -> ParticipationOut:
        blocks = None if data.available_blocks is None else tuple(data.available_blocks)
        row = await participation.set_availability(actor_of(request), participation_id, blocks)
        return convert(row, ParticipationOut)

    @post("/reservations/{reservation_id:int}/release", guards=[organizer], status_code=200,
          description="An organizer cancels a reservation of their area (the employer is told).")
    async def release(self, request: AnyRequest, reservation_id: PathId) -> ReservationOut:
        row = await booths.organizer_cancel(actor_of(request), reservation_id, request.app.state.clock)
        return convert(row, ReservationOut)

    @post("/reservations/{reservation_id:int}/move", guards=[organizer], status_code=200,
          description="Move a reservation to another free booth (the employer is told).")
    async def move(self, request: AnyRequest, reservation_id: PathId, data: JSONBody[MoveIn]) -> ReservationOut:
        row = await booths.move_reservation(actor_of(request), reservation_id, data.booth_id, request.app.state.clock)
        return convert(row, ReservationOut)

    @post("/events/{event_id:int}/blocks", guards=[organizer], status_code=204,
          description="Keep a free booth out of the event.")
    async def block(self, request: AnyRequest, event_id: PathId, data: JSONBody[BlockIn]) -> None:
        await booths.block_booth(actor_of(request), event_id, data.booth_id, data.reason, request.app.state.clock)

    @delete("/events/{event_id:int}/blocks/{booth_id:int}", guards=[organizer], status_code=204)
    async def unblock(self, request: AnyRequest, event_id: PathId, booth_id: PathId) -> None:
        await booths.unblock_booth(actor_of(request), event_id, booth_id)

    @post("/events/{event_id:int}/booth-applications", guards=[employer], status_code=200,
          description="Give (or replace) ranked booth or zone preferences while the application window is open.")
    async def submit_application(self, request: AnyRequest, event_id: PathId,
                                 data: JSONBody[BoothApplicationIn]) -> BoothApplicationOut:
        preferences = [msgspec.to_builtins(p) for p in data.preferences]
        row = await allocation.submit(actor_of(request), event_id, preferences, request.app.state.clock)
        return convert(row, BoothApplicationOut)

    @get("/booth-applications", guards=[role("organizer", "employer")],
         description="Employers: their own, with the explanation once allocated; organizers: their area's.")
    async def list_applications(self, request: AnyRequest,
                                event_id: QueryId = None
                                ) -> list[BoothApplicationOut]:
        rows = await allocation.list_applications(actor_of(request), event_id)
        return [convert(r, BoothApplicationOut) for r in rows]

    @post("/events/{event_id:int}/allocation-runs", guards=[organizer], status_code=202,
          description="Allocate the booths now (the window must have closed; the cron job does it by itself).")
    async def start_allocation(self, request: AnyRequest, event_id: PathId) -> AllocationRunOut:
        state = request.app.state
        return convert(await allocation.start_run(actor_of(request), event_id, state.queue, state.clock),
                       AllocationRunOut)

    @get("/allocation-runs/{run_id:int}", guards=[organizer],
         description="A run with its seed, inputs and result: enough to reproduce it exactly.")
    async def get_allocation(self, request: AnyRequest, run_id: PathId) -> AllocationRunOut:
        return convert(await allocation.get_run(run_id, actor_of(request)), AllocationRunOut)

    @post("/events/{event_id:int}/waitlist", guards=[employer], status_code=201,
          description="Wait for a booth: when one that fits frees up, it is held for you for 12 hours (an offer); "
                      "confirm the reservation to accept.")
    async def join_waitlist(self, request: AnyRequest, event_id: PathId,
                            data: JSONBody[WaitlistIn]) -> WaitlistOut:
        preferences = [msgspec.to_builtins(p) for p in data.preferences]
        return convert(await waitlist.join(actor_of(request), event_id, preferences, request.app.state.clock),
                       WaitlistOut)

    @get("/waitlist", guards=[role("organizer", "employer")])
    async def list_waitlist(self, request: AnyRequest,
                            event_id: QueryId = None) -> list[WaitlistOut]:
        return [convert(r, WaitlistOut) for r in await waitlist.list_entries(actor_of(request), event_id)]

    @post("/waitlist/{entry_id:int}/withdraw", guards=[employer], status_code=200)
    async def withdraw(self, request: AnyRequest, entry_id: PathId) -> WaitlistOut:
        return convert(await waitlist.withdraw(actor_of(request), entry_id), WaitlistOut)

    @get("/events/{event_id:int}/occupancy", guards=[organizer], description="Booth states per zone.")
    async def occupancy(self, request: AnyRequest, event_id: PathId) -> list[ZoneOccupancyOut]:
        rows = await booths.occupancy(actor_of(request), event_id, request.app.state.clock)
        return [convert(r, ZoneOccupancyOut) for r in rows]
