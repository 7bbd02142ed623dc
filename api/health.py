"""Liveness and counts: /api/v1/health, /api/v1/metrics, and Prometheus text at /metrics."""

from __future__ import annotations

import time
from datetime import datetime
from uuid import UUID

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

import hub
from hub.http import ApiRoutes, ok, principal_of
from hub.keys import DB, METRICS, REDIS, SIO
from hub.models import ApiModel

routes = ApiRoutes("health")
STARTED_AT = web.AppKey("started_at", float)
WORKER_FRESH_SECONDS = 60  # a worker seen within this is counted as alive


class Probe(ApiModel):
    ok: bool
    latency_ms: float | None = None
    error: str | None = None


class WorkerSeen(ApiModel):
    id: str
    hostname: str
    pid: int
    concurrency: int
    last_seen_at: datetime
    alive: bool


class HealthOut(ApiModel):
    status: str  # ok | degraded
    version: str
    database: Probe
    redis: Probe | None
    workers: list[WorkerSeen]
    uptime_seconds: float


class MetricsOut(ApiModel):
    agency_id: UUID | None
    users_by_role: dict[str, int]
    jobs_by_status: dict[str, int]
    events_total: int
    events_pending: int
    socket_connections: int
    uptime_seconds: float


@routes.get("/health", response=HealthOut, auth=False, extra_responses={503: "A backing service is down"})
async def health(request: web.Request) -> web.Response:
    """Database, Redis (when configured), workers last seen, version."""
    app = request.app
    database = Probe(ok=False)
    workers: list[WorkerSeen] = []
    started = time.perf_counter()
    try:
        async with app[DB].acquire(timeout=2) as conn:
            await conn.fetchval("SELECT 1")
            database = Probe(ok=True, latency_ms=round((time.perf_counter() - started) * 1000, 2))
            rows = await conn.fetch(
                """SELECT *, last_seen_at > now() - make_interval(secs => $1) AS alive
                   FROM workers WHERE last_seen_at > now() - interval '1 day' ORDER BY last_seen_at DESC LIMIT 50""",
                WORKER_FRESH_SECONDS,
            )
            workers = [WorkerSeen.from_record(r) for r in rows]
    except Exception as exc:  # any failure of the probe is the answer, not an error
        database = Probe(ok=False, error=type(exc).__name__)
    redis_probe = None
    if (redis := app.get(REDIS)) is not None:
        started = time.perf_counter()
        try:
            await redis.ping()
            redis_probe = Probe(ok=True, latency_ms=round((time.perf_counter() - started) * 1000, 2))
        except Exception as exc:
            redis_probe = Probe(ok=False, error=type(exc).__name__)
    healthy = database.ok and (redis_probe is None or redis_probe.ok)
    body = HealthOut(
        status="ok" if healthy else "degraded",
        version=hub.__version__,
        database=database,
        redis=redis_probe,
        workers=workers,
        uptime_seconds=round(time.monotonic() - app[STARTED_AT], 1),
    )
    return ok(body, status=200 if healthy else 503)


@routes.get("/metrics", response=MetricsOut, scope="analytics:read")
async def metrics_json(request: web.Request) -> web.Response:
    """Counts for the caller's agency, plus this process's live connections."""
    agency_id = principal_of(request).agency_id
    async with request.app[DB].acquire() as conn:
        users = await conn.fetch("SELECT role, count(*) AS n FROM users WHERE agency_id = $1 GROUP BY role", agency_id)
        job_rows = await conn.fetch("SELECT status, count(*) AS n FROM background_jobs WHERE agency_id = $1 GROUP BY status", agency_id)
        events = await conn.fetchrow(
            """SELECT count(*) AS total, count(*) FILTER (WHERE dispatched_at IS NULL) AS pending
               FROM events WHERE agency_id = $1""",
            agency_id,
        )
    sio = request.app[SIO]
    connections = sum(1 for _ in sio.manager.get_participants("/", None)) if "/" in sio.manager.rooms else 0
    return ok(
        MetricsOut(
            agency_id=agency_id,
            users_by_role={r["role"]: r["n"] for r in users},
            jobs_by_status={r["status"]: r["n"] for r in job_rows},
            events_total=events["total"],
            events_pending=events["pending"],
            socket_connections=connections,
            uptime_seconds=round(time.monotonic() - request.app[STARTED_AT], 1),
        )
    )


async def prometheus(request: web.Request) -> web.Response:
    """Prometheus text exposition of this process's metrics."""
    body = generate_latest(request.app[METRICS].registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
