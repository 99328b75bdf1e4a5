"""Server-sent-event streams of a long job's progress (matching runs, tour plans)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from litestar.response import ServerSentEventMessage

POLL_SECONDS = 0.25
KEEPALIVE_SECONDS = 15.0
STREAM_SECONDS = 30 * 60
"""The longest one stream stays open; the browser's EventSource reconnects by itself."""


async def progress_events(fetch: Callable[[], Awaitable[dict[str, Any]]], finished: Callable[[dict[str, Any]], bool]
                          ) -> AsyncIterator[ServerSentEventMessage]:
    """``progress`` whenever the job's progress changes (``fetch`` returns the job with its
    ``progress``), a comment now and then to keep proxies from closing the stream, then one
    ``done`` with the job, and the stream ends."""
    loop = asyncio.get_running_loop()
    started = last_sent = loop.time()
    last: tuple[Any, ...] | None = None
    while loop.time() - started < STREAM_SECONDS:
        job = await fetch()
        progress = job["progress"]
        now = (progress["phase"], progress["percent"], progress.get("best"))
        if finished(job):
            yield ServerSentEventMessage(event="done", data=json.dumps(for_stream(job)))
            return
        if now != last:
            yield ServerSentEventMessage(event="progress", data=json.dumps(progress))
            last, last_sent = now, loop.time()
        elif loop.time() - last_sent > KEEPALIVE_SECONDS:
            yield ServerSentEventMessage(comment="still running")
            last_sent = loop.time()
        await asyncio.sleep(POLL_SECONDS)


def for_stream(job: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in job.items()}
