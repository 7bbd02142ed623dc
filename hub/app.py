"""The app factory: every part of the hub, mounted in order.

Resources are opened and closed by `cleanup_ctx` generators, in the order listed in
`create_app`; background loops are cancelled and awaited on shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import redis.asyncio as aioredis
from aiohttp import web

from api import agency as agency_api
from api import analytics as analytics_api
from api import api_keys as api_keys_api
from api import applications as applications_api
from api import audit as audit_api
from api import auth as auth_api
from api import calls as calls_api
from api import candidates as candidates_api
from api import chat as chat_api
from api import clients as clients_api
from api import docs as docs_api
from api import health as health_api
from api import invitations as invitations_api
from api import interviews as interviews_api
from api import notifications as notifications_api
from api import offers as offers_api
from api import onboarding as onboarding_api
from api import placements as placements_api
from api import jobs as jobs_api
from api import presence as presence_api
from api import recordings as recordings_api
from api import team as team_api
from api import transcripts as transcripts_api
from api import users as users_api
from api import video as video_api
from api import webhooks as webhooks_api
from media.storage import LocalStorage
from workers.registry import JobRegistry, default_registry
from workers.runner import Worker
from workers.webhooks import webhook_client

from . import db
from .audit import audit_middleware, audit_trail
from .auth.tokens import TokenSigner
from .events import EventDispatcher
from .http import register
from .keys import AUTH, DB, EVENTS, METRICS, REDIS, SETTINGS, SIO, STORAGE
from .metrics import Metrics
from .middleware import MIDDLEWARES
from .migrate import apply_migrations
from .ratelimit import rate_limit_middleware, rate_limits
from .realtime import chat as chat_events
from .realtime import notifications as notification_events
from .realtime import presence as presence_events
from .realtime import signaling
from .realtime.lifecycle import chat_and_presence
from .realtime.router import SocketEvents, bind
from .realtime.server import create_sio, install_connection_handlers
from .services import webhooks as webhook_service
from .services.auth import AuthService
from .settings import Settings, ensure_jwt_secret

logger = logging.getLogger(__name__)

DATABASE_URL = web.AppKey("database_url", str)
JOB_REGISTRY = web.AppKey("job_registry", JobRegistry)
BACKGROUND = web.AppKey("background_tasks", list)


def create_app(settings: Settings, *, jobs: JobRegistry | None = None, migrate: bool = True) -> web.Application:
    settings = ensure_jwt_secret(settings)
    # Audit outermost (it sees every final status); rate limits innermost (they raise into the envelope).
    middlewares = (audit_middleware, *MIDDLEWARES, rate_limit_middleware)
    app = web.Application(middlewares=middlewares, client_max_size=settings.max_upload_bytes)
    app[SETTINGS] = settings
    app[METRICS] = Metrics()
    app[health_api.STARTED_AT] = time.monotonic()
    app[JOB_REGISTRY] = jobs if jobs is not None else default_registry()
    app[BACKGROUND] = []
    app[STORAGE] = LocalStorage(settings.media_dir)

    # Real-time: Socket.IO on the same port, authenticated on connect.
    sio = create_sio(settings.redis_url, cors_origins=settings.cors_origins, heartbeat_interval=settings.heartbeat_interval)
    sio.attach(app)
    app[SIO] = sio
    socket_modules: list[SocketEvents] = [
        presence_events.events, chat_events.events, signaling.events, notification_events.events,
    ]
    install_connection_handlers(app, sio, [_access_token_principal, signaling.room_token_principal], socket_modules)
    bind(app, sio, socket_modules)

    # REST modules under /api/v1, then the documents generated from them.
    register(
        app,
        auth_api.routes,
        users_api.routes,
        health_api.routes,
        agency_api.routes,
        team_api.routes,
        clients_api.routes,
        jobs_api.routes,
        applications_api.routes,
        candidates_api.routes,
        analytics_api.routes,
        chat_api.routes,
        presence_api.routes,
        recordings_api.routes,
        transcripts_api.routes,
        api_keys_api.routes,
        webhooks_api.routes,
        audit_api.routes,
        interviews_api.routes,
        offers_api.routes,
        placements_api.routes,
        onboarding_api.routes,
        notifications_api.routes,
        video_api.routes,
        invitations_api.routes,
        calls_api.routes,
    )
    docs_api.add_routes(app)
    app.router.add_get("/metrics", health_api.prometheus)

    # Resources, opened in this order and closed in reverse.
    app.cleanup_ctx.append(_database(migrate))
    app.cleanup_ctx.append(_redis)
    app.cleanup_ctx.append(_auth)
    app.cleanup_ctx.append(signaling.video_rooms)
    app.cleanup_ctx.append(audit_trail)
    app.cleanup_ctx.append(rate_limits)
    app.cleanup_ctx.append(webhook_client)
    app.cleanup_ctx.append(chat_and_presence)
    app.cleanup_ctx.append(_event_dispatcher)
    app.cleanup_ctx.append(_job_workers)
    app.cleanup_ctx.append(_background_tasks)
    return app


async def _access_token_principal(app: web.Application, token: str) -> Any:
    return app[AUTH].principal_from_access_token(token)


def _database(migrate: bool) -> Callable[[web.Application], AsyncIterator[None]]:
    async def database(app: web.Application) -> AsyncIterator[None]:
        settings = app[SETTINGS]
        url = settings.database_url
        if url is None:
            url = await asyncio.get_running_loop().run_in_executor(None, db.start_embedded_postgres, settings.data_dir)
        app[DATABASE_URL] = url
        if migrate:
            conn = await db.connect(url)
            try:
                await apply_migrations(conn)
            finally:
                await conn.close()
        app[DB] = await db.create_pool(url)
        yield
        await db.close_pool(app[DB])

    return database


async def _redis(app: web.Application) -> AsyncIterator[None]:
    url = app[SETTINGS].redis_url
    if url is None:
        app[REDIS] = None
        yield
        return
    client = aioredis.from_url(url, socket_timeout=5, socket_connect_timeout=5, health_check_interval=15)
    app[REDIS] = client
    yield
    await client.aclose()


async def _auth(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    app[AUTH] = AuthService(
        app[DB],
        TokenSigner(settings.jwt_secret),
        access_ttl=settings.access_token_ttl,
        refresh_ttl=settings.refresh_token_ttl,
    )
    yield


async def _event_dispatcher(app: web.Application) -> AsyncIterator[None]:
    metrics = app[METRICS]
    dispatcher = EventDispatcher(
        app[DB], app[DATABASE_URL], on_dispatch=lambda e: metrics.events_dispatched.labels(e.type).inc()
    )
    app[EVENTS] = dispatcher
    dispatcher.subscribe("webhooks", webhook_service.fan_out)  # before the loop starts: no event misses it
    dispatcher.subscribe("notifications", notification_events.notification_pusher(app))
    start_background(app, dispatcher.run())
    yield


async def _job_workers(app: web.Application) -> AsyncIterator[None]:
    """`hub serve` runs jobs in-process too, so one command does everything."""
    settings = app[SETTINGS]
    if settings.workers == 0:
        yield
        return
    metrics = app[METRICS]
    worker = Worker(
        app[DB],
        app[DATABASE_URL],
        app[JOB_REGISTRY],
        concurrency=settings.workers,
        lease_seconds=settings.job_lease_seconds,
        poll_seconds=settings.job_poll_seconds,
        resources={"app": app, "settings": settings, "storage": app[STORAGE]},
        on_finished=lambda job, outcome: metrics.jobs.labels(job.kind, outcome).inc(),
    )
    task = asyncio.create_task(worker.run())
    yield
    await worker.stop(grace_seconds=5)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def start_background(app: web.Application, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
    """Start a loop that lives as long as the app; it is cancelled and awaited at shutdown."""
    task = asyncio.create_task(coro)
    app[BACKGROUND].append(task)
    return task


async def _background_tasks(app: web.Application) -> AsyncIterator[None]:
    yield
    tasks: list[asyncio.Task[None]] = app[BACKGROUND]
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
