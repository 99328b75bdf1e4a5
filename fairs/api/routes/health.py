"""Liveness and readiness."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Response, get

from fairs.api.security import AnyRequest, public
from fairs.services.health import readiness


@get("/healthz", guards=[public], tags=["health"], description="The process is alive.")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@get("/readyz", guards=[public], tags=["health"],
     description="200 when the database and Redis answer and every migration is applied; else 503.")
async def readyz(request: AnyRequest) -> Response[dict[str, Any]]:
    try:
        checks = await asyncio.wait_for(readiness(request.app.state.queue), timeout=5)
    except TimeoutError:
        checks = {"timeout": {"ok": False, "error": "the checks took longer than 5 s"}}
    ready = all(c["ok"] for c in checks.values())
    return Response({"status": "ready" if ready else "not ready", "checks": checks},
                    status_code=200 if ready else 503)
