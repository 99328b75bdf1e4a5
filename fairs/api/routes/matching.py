"""Matching runs: start one, follow it (JSON or a server-sent-events stream)."""

from __future__ import annotations

from litestar import Controller, Response, get, post
from litestar.response import ServerSentEvent

from fairs.api.idempotency import idempotent
from fairs.api.schemas import InterviewWhyOut, MatchRunOut, UnmatchedOut, convert
from fairs.api.schemas.common import PathId
from fairs.api.security import AnyRequest, actor_of, organizer, role
from fairs.api.streams import progress_events
from fairs.services import interviews, matching


class MatchingController(Controller):
    tags = ["matching"]

    @post("/events/{event_id:int}/match-runs", guards=[organizer], status_code=202,
          description="Start matching: a worker assigns registered attendees to interview slots.")
    async def start_matching(self, request: AnyRequest, event_id: PathId) -> Response[MatchRunOut]:
        actor = actor_of(request)
        state = request.app.state

        async def write() -> MatchRunOut:
            row = await matching.start_match_run(actor, event_id, state.queue, state.clock)
            return convert(await matching.with_progress(row, state.queue), MatchRunOut)

        return await idempotent(request, actor, 202, write, state.clock.now())

    @get("/match-runs/{run_id:int}", guards=[organizer],
         description="The run, its progress (phase and percent) while it runs, and its figures once done.")
    async def get_match_run(self, request: AnyRequest, run_id: PathId) -> MatchRunOut:
        row = await matching.get_match_run(actor_of(request), run_id)
        return convert(await matching.with_progress(row, request.app.state.queue), MatchRunOut)

    @get("/match-runs/{run_id:int}/progress", guards=[organizer],
         description="Server-sent events: `progress` (phase, percent) whenever it changes, then one `done` "
                     "with the run (status, metrics) and the stream ends.")
    async def stream_progress(self, request: AnyRequest, run_id: PathId) -> ServerSentEvent:
        actor = actor_of(request)
        await matching.get_match_run(actor, run_id)  # 404 before the stream starts
        queue = request.app.state.queue

        async def fetch() -> dict[str, object]:
            return await matching.with_progress(await matching.get_match_run(actor, run_id), queue)

        return ServerSentEvent(progress_events(fetch, lambda run: run["status"] in matching.FINISHED_RUN),
                               headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


    @get("/events/{event_id:int}/unmatched", guards=[organizer],
         description="Attendees the last successful run left without an interview, and why (no fitting position, "
                     "all fitting employers excluded, no common time, or capacity).")
    async def unmatched(self, request: AnyRequest, event_id: PathId) -> UnmatchedOut:
        return convert(await matching.unmatched(actor_of(request), event_id), UnmatchedOut)

    @get("/interviews/{interview_id:int}/why", guards=[role("attendee", "employer", "organizer")],
         description="Why this pairing: the fit score's parts (skills, industry wish, commute, conditions, the "
                     "attendee's own ranking) when the pair was made.")
    async def why(self, request: AnyRequest, interview_id: PathId) -> InterviewWhyOut:
        return convert(await interviews.why(actor_of(request), interview_id), InterviewWhyOut)
