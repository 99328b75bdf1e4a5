"""The Litestar application: API, OpenAPI at /schema, and the pages."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from litestar import Litestar, Router
from litestar.config.allowed_hosts import AllowedHostsConfig
from litestar.config.compression import CompressionConfig
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig

from fairs.api.openapi import document_errors
from fairs.api.problems import EXCEPTION_HANDLERS
from fairs.api.routes.accounts import AccountController
from fairs.api.routes.areas import AreaController
from fairs.api.routes.attendance import AttendanceController
from fairs.api.routes.booths import BoothController
from fairs.api.routes.employers import EmployerController
from fairs.api.routes.feeds import CalendarFeedController
from fairs.api.routes.floorplans import FloorPlanController
from fairs.api.routes.health import healthz, readyz
from fairs.api.routes.matching import MatchingController
from fairs.api.routes.outcomes import OutcomeController
from fairs.api.routes.overrides import OverrideController
from fairs.api.routes.setup import SetupController
from fairs.api.routes.tours import TourController
from fairs.api.routes.training import TrainingController
from fairs.api.routes.webhooks import WebhookController
from fairs.api.security import TokenMiddleware, public
from fairs.db.engine import Listening, close_readers, open_pool
from fairs.observe.http import RequestContextMiddleware, before_send, metrics_endpoint
from fairs.runtime import freeze_what_is_built
from fairs.services import known_actors, passwords, waitlist, webhooks
from fairs.services.context import SYSTEM_CLOCK, Clock
from fairs.services.queue import JobQueue, open_queue
from fairs.settings import Settings
from fairs.web.errors import page_aware
from fairs.web.pages import PAGES

log = logging.getLogger("fairs")
WEB = Path(__file__).resolve().parent.parent / "web"
PUBLIC_PATHS = ["/healthz", "/readyz", "/schema", "/static"]


def create_app(settings: Settings, clock: Clock = SYSTEM_CLOCK, queue: JobQueue | None = None,
               freeze_when_started: bool = False) -> Litestar:
    """Build the app. ``queue`` is opened from FAIRS_REDIS_URL at start-up when not given.
    ``freeze_when_started``: for a process that serves only this app (``fairs.asgi``), see
    :func:`fairs.runtime.freeze_what_is_built`; never in tests, which build many apps."""
    passwords.use_cost(settings.password_hash_cost)
    if queue is not None:
        waitlist.use_queue(queue)
        webhooks.use_queue(queue)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        from fairs.db.tables import Organization

        engine = Organization._meta.db
        pooled = engine.engine_type == "postgres" and engine.pool is None
        if pooled:
            # The whole pool is opened now: a rush (a fair opening its booking) must not wait
            # for PostgreSQL to start backends one by one.
            await open_pool(engine, settings.db_pool_size, settings.db_pool_size, settings.db_timeout_seconds)
        opened = None
        if app.state.queue is None:
            opened = app.state.queue = await open_queue(settings.redis_url)
        waitlist.use_queue(app.state.queue)
        webhooks.use_queue(app.state.queue)
        listening = None
        dsn = engine.config.get("dsn") if engine.engine_type == "postgres" else None
        if dsn:  # the kept actors are dropped when their account changes (services/known_actors.py)
            actors = app.state.actors
            listening = Listening(dsn, known_actors.CHANNEL, actors.notice, actors.listening_changed)
            await listening.start()  # never raises: listens later, in the background, if it cannot now
        if freeze_when_started:
            log.debug("%d objects kept out of garbage collection", freeze_what_is_built())
        try:
            yield
        finally:
            if listening is not None:
                await listening.close()
            if opened is not None:
                await opened.pool.aclose()
            if pooled:
                await engine.close_connection_pool()
            await close_readers(engine)

    app = Litestar(
        route_handlers=[
            healthz, readyz, metrics_endpoint,
            AccountController, AreaController, SetupController, EmployerController,
            AttendanceController, BoothController, FloorPlanController, MatchingController,
            OverrideController, CalendarFeedController,
            TrainingController, TourController, OutcomeController, WebhookController,
            *PAGES, create_static_files_router(path="/static", directories=[WEB / "static"], guards=[public]),
        ],
        lifespan=[lifespan],
        state=State({"settings": settings, "clock": clock, "queue": queue, "actors": known_actors.KnownActors()}),
        exception_handlers=page_aware(EXCEPTION_HANDLERS),
        # the request id first: it is bound while the token is read and the handler runs
        middleware=[DefineMiddleware(RequestContextMiddleware),
                    DefineMiddleware(TokenMiddleware, exclude=["^/static"])],
        before_send=[before_send],  # X-Request-ID on every response, latency, the access line
        logging_config=None,  # Litestar's default would replace the root handler: fairs.observe.logs configures it
        cors_config=CORSConfig(allow_origins=[settings.public_base_url], allow_headers=["Authorization",
                               "Content-Type", "Idempotency-Key"]),
        template_config=TemplateConfig(directory=WEB / "templates", engine=JinjaTemplateEngine),
        openapi_config=OpenAPIConfig(
            title="fairs",
            version="0.1.0",
            description="Job-fair campaigns for grassroots workers. Errors are problem details (RFC 9457).",
            path="/schema",
            openapi_router=Router("/schema", guards=[public], route_handlers=[], include_in_schema=False),
            render_plugins=[ScalarRenderPlugin(), SwaggerRenderPlugin(path="/swagger")],
            components=Components(security_schemes={
                "BearerToken": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")}),
        ),
        # Pages and files travel gzipped (a cheap phone on a slow connection); progress streams
        # do not (compression would hold their events back).
        compression_config=CompressionConfig(backend="gzip", gzip_compress_level=6, exclude=[r"/progress$"]),
        allowed_hosts=None if "*" in settings.allowed_hosts else AllowedHostsConfig(
            allowed_hosts=list(settings.allowed_hosts)),
        request_max_body_size=2 * 1024 * 1024,
        debug=False,
    )
    document_errors(app)  # problem answers and sign-in per operation (fairs/api/openapi.py)
    return app

