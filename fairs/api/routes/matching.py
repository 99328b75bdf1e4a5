"""Matching runs: start one, follow it (JSON or a server-sent-events stream)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from litestar import Controller, Response, get, post
from litestar.params import FromPath
from litestar.response import ServerSentEvent, ServerSentEventMessage

from fairs.api.idempotency import idempotent
from fairs.api.schemas import InterviewWhyOut, MatchRunOut, UnmatchedOut, convert
from fairs.api.security import AnyRequest, actor_of, organizer, role
from fairs.services import interviews, matching
from fairs.services.context import Actor

POLL_SECONDS = 0.25
KEEPALIVE_SECONDS = 15.0
STREAM_SECONDS = 30 * 60
"""The longest one stream stays open; the browser's EventSource reconnects by itself."""


class MatchingController(Controller):
    tags = ["matching"]

    @post("/events/{event_id:int}/match-runs", guards=[organizer], status_code=202,
          description="Start matching: a worker assigns registered attendees to interview slots.")
    async def start_matching(self, request: AnyRequest, event_id: FromPath[int]) -> Response[MatchRunOut]:
        actor = actor_of(request)
        state = request.app.state

        async def write() -> MatchRunOut:
            row = await matching.start_match_run(actor, event_id, state.queue, state.clock)
            return convert(await matching.with_progress(row, state.queue), MatchRunOut)

        return await idempotent(request, actor, 202, write, state.clock.now())

    @get("/match-runs/{run_id:int}", guards=[organizer],
         description="The run, its progress (phase and percent) while it runs, and its figures once done.")
    async def get_match_run(self, request: AnyRequest, run_id: FromPath[int]) -> MatchRunOut:
        row = await matching.get_match_run(actor_of(request), run_id)
        return convert(await matching.with_progress(row, request.app.state.queue), MatchRunOut)

    @get("/match-runs/{run_id:int}/progress", guards=[organizer],
         description="Server-sent events: `progress` (phase, percent) whenever it changes, then one `done` "
                     "with the run (status, metrics) and the stream ends.")
    async def stream_progress(self, request: AnyRequest, run_id: FromPath[int]) -> ServerSentEvent:
        actor = actor_of(request)
        await matching.get_match_run(actor, run_id)  # 404 before the stream starts
        return ServerSentEvent(_progress_events(actor, run_id, request.app.state.queue),
                               headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


    @get("/events/{event_id:int}/unmatched", guards=[organizer],
         description="Attendees the last successful run left without an interview, and why (no fitting position, "
                     "all fitting employers excluded, no common time, or capacity).")
    async def unmatched(self, request: AnyRequest, event_id: FromPath[int]) -> UnmatchedOut:
        return convert(await matching.unmatched(actor_of(request), event_id), UnmatchedOut)

    @get("/interviews/{interview_id:int}/why", guards=[role("attendee", "employer", "organizer")],
         description="Why this pairing: the fit score's parts (skills, industry wish, commute, conditions, the "
                     "attendee's own ranking) when the pair was made.")
    async def why(self, request: AnyRequest, interview_id: FromPath[int]) -> InterviewWhyOut:
        return convert(await interviews.why(actor_of(request), interview_id), InterviewWhyOut)


async def _progress_events(actor: Actor, run_id: int, queue: object) -> AsyncIterator[ServerSentEventMessage]:
    loop = asyncio.get_running_loop()
    started = last_sent = loop.time()
    last: tuple[str, int] | None = None
    while loop.time() - started < STREAM_SECONDS:
        run = await matching.with_progress(await matching.get_match_run(actor, run_id), queue)
        progress = run["progress"]
        now = (progress["phase"], progress["percent"])
        if run["status"] in matching.FINISHED_RUN:
            yield ServerSentEventMessage(event="done", data=json.dumps(convert_for_stream(run)))
            return
        if now != last:
            yield ServerSentEventMessage(event="progress", data=json.dumps(progress))
            last, last_sent = now, loop.time()
        elif loop.time() - last_sent > KEEPALIVE_SECONDS:
            yield ServerSentEventMessage(comment="still running")
            last_sent = loop.time()
        await asyncio.sleep(POLL_SECONDS)


def convert_for_stream(run: dict[str, object]) -> dict[str, object]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in run.items()}
