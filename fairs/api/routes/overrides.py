"""Organizers pin or forbid pairs of people and employers before interview matching."""

from __future__ import annotations

from litestar import Controller, Response, delete, get, post
from litestar.params import JSONBody

from fairs.api.idempotency import idempotent
from fairs.api.schemas import MatchOverrideIn, MatchOverrideOut, convert
from fairs.api.schemas.common import PathId
from fairs.api.security import AnyRequest, actor_of, organizer
from fairs.services import overrides


class OverrideController(Controller):
    tags = ["interview matching"]

    @post("/events/{event_id:int}/match-overrides", guards=[organizer], status_code=201,
          description="Pin a person to an employer (propose the pair whenever it can be) or forbid the pair, for "
                      "the next match runs of an event of my area. The person must be registered, the employer "
                      "approved; one decision per pair (409 `match_override_once`: delete it first).")
    async def create_override(self, request: AnyRequest, event_id: PathId,
                              data: JSONBody[MatchOverrideIn]) -> Response[MatchOverrideOut]:
        actor = actor_of(request)
        clock = request.app.state.clock

        async def write() -> MatchOverrideOut:
            row = await overrides.create_override(actor, event_id, data.attendee_id, data.organization_id,
                                                  data.kind, data.reason, clock)
            return convert(row, MatchOverrideOut)

        return await idempotent(request, actor, 201, write, clock.now())

    @get("/events/{event_id:int}/match-overrides", guards=[organizer], description="The event's pins and bans.")
    async def list_overrides(self, request: AnyRequest, event_id: PathId) -> list[MatchOverrideOut]:
        return [convert(r, MatchOverrideOut) for r in await overrides.list_overrides(actor_of(request), event_id)]

    @delete("/match-overrides/{override_id:int}", guards=[organizer], status_code=204,
            description="Take a pin or ban back (runs already made keep their interviews).")
    async def delete_override(self, request: AnyRequest, override_id: PathId) -> None:
        await overrides.delete_override(actor_of(request), override_id)
