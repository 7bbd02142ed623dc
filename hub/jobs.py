"""The durable job queue on PostgreSQL: enqueue in the caller's transaction, claim with
SKIP LOCKED, hold a lease kept alive by heartbeats, retry with backoff, then give up (`dead`).
The runner that executes jobs lives in workers/runner.py.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

NOTIFY_CHANNEL = "hub_jobs"
BACKOFF_BASE = 2.0  # seconds before the first retry
BACKOFF_CAP = 3600.0  # seconds, longest wait between attempts


@dataclass(frozen=True)
class Job:
    id: UUID
    kind: str
    payload: dict[str, Any]
    agency_id: UUID | None
    attempts: int
    max_attempts: int
    status: str
    progress: float
    progress_message: str | None
    result: Any
    last_error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    run_at: datetime

    @classmethod
    def from_record(cls, r: asyncpg.Record) -> Job:
        return cls(**{f: r[f] for f in cls.__dataclass_fields__})


def backoff_delay(attempt: int, *, base: float = BACKOFF_BASE, cap: float = BACKOFF_CAP) -> float:
    """Exponential backoff with full jitter: uniform in [d/2, d] where d = base * 2^(attempt-1)."""
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    return random.uniform(ceiling / 2, ceiling)


async def enqueue(
    conn: asyncpg.Connection,
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    agency_id: UUID | None = None,
    dedupe_key: str | None = None,
    max_attempts: int = 5,
    delay_seconds: float = 0.0,
) -> UUID | None:
    """Queue a job inside the caller's transaction (it runs only if that commits).

    With `dedupe_key`, a second enqueue of the same kind and key is a no-op returning None.
    """
    row = await conn.fetchrow(
        """INSERT INTO background_jobs (kind, payload, agency_id, dedupe_key, max_attempts, run_at)
           VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))
           ON CONFLICT (kind, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
           RETURNING id""",
        kind,
        payload or {},
        agency_id,
        dedupe_key,
        max_attempts,
        delay_seconds,
    )
    if row is None:
        return None
    await conn.execute("SELECT pg_notify($1, $2)", NOTIFY_CHANNEL, kind)
    return row["id"]


async def claim(conn: asyncpg.Connection, worker_id: str, kinds: list[str], lease_seconds: float) -> Job | None:
    """Take the next due job (or one whose worker's lease ran out) and lease it to `worker_id`."""
    row = await conn.fetchrow(
        """UPDATE background_jobs SET status = 'running', attempts = attempts + 1, locked_by = $1,
                          lease_expires_at = now() + make_interval(secs => $3),
                          started_at = now(), updated_at = now()
           WHERE id = (
               SELECT id FROM background_jobs
               WHERE kind = ANY($2::text[])
                 AND ((status = 'queued' AND run_at <= now())
                      OR (status = 'running' AND lease_expires_at < now()))
               ORDER BY run_at
               LIMIT 1
               FOR UPDATE SKIP LOCKED)
           RETURNING *""",
        worker_id,
        kinds,
        lease_seconds,
    )
    return Job.from_record(row) if row else None


async def extend_lease(conn: asyncpg.Connection, job_id: UUID, worker_id: str, lease_seconds: float) -> bool:
    """Heartbeat; False when the job is no longer ours (lease lost to another worker)."""
    status = await conn.execute(
        """UPDATE background_jobs SET lease_expires_at = now() + make_interval(secs => $3), updated_at = now()
           WHERE id = $1 AND locked_by = $2 AND status = 'running'""",
        job_id,
        worker_id,
        lease_seconds,
    )
    return status.endswith(" 1")


async def set_progress(
    conn: asyncpg.Connection, job_id: UUID, worker_id: str, progress: float, message: str | None = None
) -> None:
    await conn.execute(
        """UPDATE background_jobs SET progress = $3, progress_message = coalesce($4, progress_message), updated_at = now()
           WHERE id = $1 AND locked_by = $2 AND status = 'running'""",
        job_id,
        worker_id,
        min(1.0, max(0.0, progress)),
        message,
    )


async def complete(conn: asyncpg.Connection, job_id: UUID, worker_id: str, result: Any = None) -> bool:
    status = await conn.execute(
        """UPDATE background_jobs SET status = 'succeeded', progress = 1, result = $3, finished_at = now(),
                          locked_by = NULL, lease_expires_at = NULL, updated_at = now()
           WHERE id = $1 AND locked_by = $2 AND status = 'running'""",
        job_id,
        worker_id,
        result,
    )
    return status.endswith(" 1")


async def fail(conn: asyncpg.Connection, job: Job, worker_id: str, error: str, *, retry: bool = True) -> str:
    """Record a failed attempt: back to `queued` after a backoff, or `dead` when out of attempts."""
    if retry and job.attempts < job.max_attempts:
        await conn.execute(
            """UPDATE background_jobs SET status = 'queued', last_error = $3, locked_by = NULL, lease_expires_at = NULL,
                              run_at = now() + make_interval(secs => $4), updated_at = now()
               WHERE id = $1 AND locked_by = $2""",
            job.id,
            worker_id,
            error[:2000],
            backoff_delay(job.attempts),
        )
        return "retry"
    await conn.execute(
        """UPDATE background_jobs SET status = 'dead', last_error = $3, finished_at = now(), locked_by = NULL,
                          lease_expires_at = NULL, updated_at = now()
           WHERE id = $1 AND locked_by = $2""",
        job.id,
        worker_id,
        error[:2000],
    )
    return "dead"


async def release(conn: asyncpg.Connection, job_id: UUID, worker_id: str) -> None:
    """Give a job back untouched (graceful shutdown): the attempt does not count."""
    await conn.execute(
        """UPDATE background_jobs SET status = 'queued', attempts = greatest(attempts - 1, 0), locked_by = NULL,
                          lease_expires_at = NULL, run_at = now(), updated_at = now()
           WHERE id = $1 AND locked_by = $2 AND status = 'running'""",
        job_id,
        worker_id,
    )


async def get_job(conn: asyncpg.Connection, job_id: UUID) -> Job | None:
    row = await conn.fetchrow("SELECT * FROM background_jobs WHERE id = $1", job_id)
    return Job.from_record(row) if row else None


async def heartbeat_worker(conn: asyncpg.Connection, worker_id: str, hostname: str, pid: int, concurrency: int) -> None:
    await conn.execute(
        """INSERT INTO workers (id, hostname, pid, concurrency) VALUES ($1, $2, $3, $4)
           ON CONFLICT (id) DO UPDATE SET last_seen_at = now()""",
        worker_id,
        hostname,
        pid,
        concurrency,
    )


async def forget_worker(conn: asyncpg.Connection, worker_id: str) -> None:
    await conn.execute("DELETE FROM workers WHERE id = $1", worker_id)
