"""Runs queued jobs: claims with SKIP LOCKED, wakes on LISTEN/NOTIFY, keeps leases alive,
retries with backoff, and shuts down cleanly on a signal."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from hub import jobs
from hub.db import listen_forever
from hub.jobs import Job
from hub.waiting import wait_event

from .registry import JobRegistry, PermanentJobError

logger = logging.getLogger(__name__)

WORKER_HEARTBEAT_SECONDS = 10.0  # how often a worker says it is alive (health endpoint)


@dataclass
class JobContext:
    """What a job handler gets: its job, the pool, shared resources, and a progress reporter."""

    job: Job
    pool: asyncpg.Pool
    worker_id: str
    resources: dict[str, Any] = field(default_factory=dict)

    @property
    def payload(self) -> dict[str, Any]:
        return self.job.payload

    async def progress(self, fraction: float, message: str | None = None) -> None:
        async with self.pool.acquire() as conn:
            await jobs.set_progress(conn, self.job.id, self.worker_id, fraction, message)


class Worker:
    def __init__(
        self,
        pool: asyncpg.Pool,
        database_url: str,
        registry: JobRegistry,
        *,
        concurrency: int = 2,
        lease_seconds: float = 30.0,
        poll_seconds: float = 2.0,
        resources: dict[str, Any] | None = None,
        on_finished: Any = None,
    ) -> None:
        assert lease_seconds > 3 * 0.1, "lease must leave room for heartbeats"
        self.id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._pool = pool
        self._url = database_url
        self._registry = registry
        self._concurrency = concurrency
        self._lease = lease_seconds
        self._poll = poll_seconds
        self.resources = resources or {}
        self._on_finished = on_finished
        self._slots = asyncio.Semaphore(concurrency)
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._running: dict[uuid.UUID, asyncio.Task[None]] = {}

    async def run(self) -> None:
        """Claim and run jobs until stop() is called."""
        if not self._registry.kinds:
            logger.warning("worker has no job kinds registered")
        background = [asyncio.create_task(self._listen()), asyncio.create_task(self._heartbeat_loop())]
        try:
            while not self._stopping.is_set():
                await self._slots.acquire()
                if self._stopping.is_set():
                    self._slots.release()
                    break
                try:
                    async with self._pool.acquire() as conn:
                        job = await jobs.claim(conn, self.id, self._registry.kinds, self._lease)
                except asyncio.CancelledError:
                    self._slots.release()
                    raise
                except Exception:
                    self._slots.release()
                    logger.exception("claiming a job failed; backing off")
                    await self._sleep(1.0)
                    continue
                if job is None:
                    self._slots.release()
                    await self._sleep(self._poll)
                    continue
                task = asyncio.create_task(self._execute(job))
                self._running[job.id] = task
        finally:
            for task in background:
                task.cancel()
            for task in background:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            with contextlib.suppress(Exception):
                async with self._pool.acquire() as conn:
                    await jobs.forget_worker(conn, self.id)

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Stop claiming; let running jobs finish within the grace period, then give them back."""
        self._stopping.set()
        self._wake.set()
        pending = list(self._running.values())
        if pending:
            _, still = await asyncio.wait(pending, timeout=grace_seconds)
            for task in still:
                task.cancel()
            for task in still:
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _sleep(self, seconds: float) -> None:
        await wait_event(self._wake, seconds)
        self._wake.clear()

    async def _execute(self, job: Job) -> None:
        outcome = "succeeded"
        keepalive = asyncio.create_task(self._keep_lease(job, asyncio.current_task()))
        try:
            if job.attempts > job.max_attempts:
                # Its last worker died holding it; the attempt budget is spent.
                outcome = await self._record_failure(job, "worker lost during the last attempt", retry=False)
                return
            handler = self._registry.handlers[job.kind]
            context = JobContext(job, self._pool, self.id, self.resources)
            try:
                result = await handler(context)
            except asyncio.CancelledError:
                outcome = "released"
                with contextlib.suppress(Exception):
                    async with self._pool.acquire() as conn:
                        await jobs.release(conn, job.id, self.id)
                raise
            except PermanentJobError as exc:
                outcome = await self._record_failure(job, str(exc) or type(exc).__name__, retry=False)
            except Exception as exc:
                logger.exception("job %s (%s) failed on attempt %d", job.id, job.kind, job.attempts)
                outcome = await self._record_failure(job, f"{type(exc).__name__}: {exc}", retry=True)
            else:
                async with self._pool.acquire() as conn:
                    if not await jobs.complete(conn, job.id, self.id, result):
                        outcome = "lost"
                        logger.warning("job %s finished after its lease was lost", job.id)
        finally:
            keepalive.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keepalive
            self._running.pop(job.id, None)
            self._slots.release()
            if self._on_finished is not None:
                self._on_finished(job, outcome)

    async def _record_failure(self, job: Job, error: str, *, retry: bool) -> str:
        async with self._pool.acquire() as conn:
            return await jobs.fail(conn, job, self.id, error, retry=retry)

    async def _keep_lease(self, job: Job, task: asyncio.Task[Any] | None) -> None:
        """Extend the lease at a third of its length; cancel the job if another worker took it."""
        while True:
            await asyncio.sleep(self._lease / 3)
            try:
                async with self._pool.acquire() as conn:
                    still_ours = await jobs.extend_lease(conn, job.id, self.id, self._lease)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("lease heartbeat failed for job %s", job.id, exc_info=True)
                continue
            if not still_ours and task is not None:
                logger.warning("lost the lease on job %s; stopping it", job.id)
                task.cancel()
                return

    async def _heartbeat_loop(self) -> None:
        while True:
            try:
                async with self._pool.acquire() as conn:
                    await jobs.heartbeat_worker(conn, self.id, socket.gethostname(), os.getpid(), self._concurrency)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("worker heartbeat failed", exc_info=True)
            await asyncio.sleep(WORKER_HEARTBEAT_SECONDS)

    async def _listen(self) -> None:
        await listen_forever(self._url, jobs.NOTIFY_CHANNEL, self._wake)
