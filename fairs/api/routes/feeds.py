"""Personal calendar subscriptions: issue, look at and revoke one's feed; read a feed by its token."""

from __future__ import annotations

from litestar import Controller, Response, delete, get, post
from litestar.params import FromPath

from fairs.api.schemas import CalendarFeedIssuedOut, CalendarFeedOut
from fairs.api.security import AnyRequest, actor_of, public, signed_in
from fairs.core.errors import NotFound
from fairs.services import feeds

CALENDAR = "text/calendar"  # Litestar adds "; charset=utf-8" to text/* types
CACHE_CONTROL = "private, max-age=300"


def _matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110: ``*`` or any listed tag, compared weakly (a ``W/`` prefix is ignored)."""
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags


class CalendarFeedController(Controller):
    tags = ["calendar"]

    @post("/calendar/feed", guards=[signed_in], status_code=201,
          description="Issue my calendar subscription address (revoking the previous one). The address holds a "
                      "secret token, shown only in this answer; subscribe with `webcal_url`.")
    async def issue(self, request: AnyRequest) -> CalendarFeedIssuedOut:
        token, created_at = await feeds.issue(actor_of(request), request.app.state.clock)
        url = f"{request.app.state.settings.public_base_url.rstrip('/')}/calendar/{token}.ics"
        return CalendarFeedIssuedOut(url=url, webcal_url="webcal://" + url.split("://", 1)[1],
                                     created_at=created_at)

    @get("/calendar/feed", guards=[signed_in], description="Whether I have a live subscription, and since when.")
    async def status(self, request: AnyRequest) -> CalendarFeedOut:
        since = await feeds.live_since(actor_of(request))
        return CalendarFeedOut(live=since is not None, created_at=since)

    @delete("/calendar/feed", guards=[signed_in], status_code=204,
            description="Revoke my subscription address: it answers 404 from now on.")
    async def revoke(self, request: AnyRequest) -> None:
        await feeds.revoke(actor_of(request), request.app.state.clock)

    @get("/calendar/{file_name:str}", guards=[public], media_type=CALENDAR,
         description="A personal feed, `<token>.ics` (the token is the credential). Answers 304 to a matching "
                     "`If-None-Match`.")
    async def feed(self, request: AnyRequest, file_name: FromPath[str]) -> Response[bytes]:
        token = file_name.removesuffix(".ics")
        if token == file_name:
            raise NotFound("no such calendar feed", field="token")
        state = request.app.state
        if_none_match = request.headers.get("if-none-match", "")
        etag, body = await feeds.read_feed(token, state.settings.organizer_mailbox, state.clock.now(),
                                           lambda version: _matches(if_none_match, version),
                                           getattr(state.queue, "pool", None))
        headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
        if body is None:
            return Response(b"", status_code=304, headers=headers, media_type=CALENDAR)
        return Response(body, media_type=CALENDAR, headers=headers)
