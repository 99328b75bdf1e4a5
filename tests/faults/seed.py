"""Builds a fault test's data in a private database through the real API in-process, with the
suite's own factories: ``python -m tests.faults.seed KIND`` prints what the test needs as JSON.

Run as a child process because Piccolo's tables are bound to one database per process: the
environment (``FAIRS_TEST_DATABASE_URL``, ``FAIRS_SECRET_KEY``) names the private instance."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any


class NoQueue:
    """The seed enqueues nothing: the test starts the work it wants through the real API."""

    async def enqueue(self, *args: Any, **kwargs: Any) -> None:
        return None


async def seed(kind: str) -> dict[str, Any]:
    import httpx

    from fairs.api.app import create_app
    from fairs.db.engine import open_pool
    from fairs.db.tables import Organization
    from fairs.settings import get_settings
    from tests.support import factories as f

    engine = Organization._meta.db
    await open_pool(engine, 1, 4)
    app = create_app(get_settings(), queue=NoQueue())
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://seed.local") as client:
            client.app = app  # type: ignore[attr-defined]
            if kind == "matching":
                made = await f.fair_ready_for_matching(client, attendees=12, interviewers=3)
                return {"event_id": made["event_id"], "organizer": made["organizer"]}
            if kind == "booths":
                from tests.concurrency.test_booth_contention import crowd

                event_id, booth_ids, headers = await crowd(client, 40, 8)
                organizer = f.ORGANIZERS[0]
                return {"event_id": event_id, "booth_ids": booth_ids, "employers": headers, "organizer": organizer}
            raise SystemExit(f"unknown seed {kind!r}")
    finally:
        await engine.close_connection_pool()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(seed(sys.argv[1]))))
