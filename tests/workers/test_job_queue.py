"""The durable job queue: transactional enqueue, crash recovery, backoff, exactly-once claims."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from uuid import UUID

import asyncpg
import pytest

from hub import jobs
from workers.registry import JobRegistry, PermanentJobError
from workers.runner import JobContext, Worker

WORKER_SCRIPT = Path(__file__).with_name("job_worker_proc.py")


@pytest.fixture
async def runs_table(pool: asyncpg.Pool) -> None:
    await pool.execute("CREATE TABLE test_job_runs (job_id uuid NOT NULL, pid integer NOT NULL, at timestamptz DEFAULT now())")


@pytest.fixture
async def spawn_worker(database_url: str) -> AsyncIterator[Callable[..., subprocess.Popen[str]]]:
    procs: list[subprocess.Popen[str]] = []

    def spawn(lease: float = 2.0) -> subprocess.Popen[str]:
        root = str(Path(__file__).resolve().parents[2])
        env = {**os.environ, "PYTHONPATH": root}
        proc = subprocess.Popen(
            [sys.executable, str(WORKER_SCRIPT), database_url, str(lease)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
        )
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        procs.append(proc)
        return proc

    yield spawn
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


async def wait_for(predicate: Callable[[], object], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await predicate():  # type: ignore[misc]
            return
        await asyncio.sleep(0.1)
    raise AssertionError("condition not met in time")


async def test_job_enqueued_in_rolled_back_transaction_never_runs(pool: asyncpg.Pool, database_url: str) -> None:
    ran: list[UUID] = []

    async def handler(ctx: JobContext) -> None:
        ran.append(ctx.job.id)

    registry = JobRegistry()
    registry.register("test.noop", handler)
    async with pool.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        await jobs.enqueue(conn, "test.noop", {})
        await tx.rollback()
        committed = await jobs.enqueue(conn, "test.noop", {})  # autocommit: this one is real
    worker = Worker(pool, database_url, registry, concurrency=1, poll_seconds=0.1)
    task = asyncio.create_task(worker.run())
    try:
        await wait_for(lambda: _async(len(ran) >= 1))
        await asyncio.sleep(0.5)
    finally:
        await worker.stop()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert ran == [committed]
    assert await pool.fetchval("SELECT count(*) FROM background_jobs") == 1


async def _async(value: object) -> object:
    return value


async def test_killed_worker_leaves_job_to_another(pool: asyncpg.Pool, runs_table: None, spawn_worker) -> None:
    first = spawn_worker(lease=2.0)
    async with pool.acquire() as conn:
        job_id = await jobs.enqueue(conn, "test.slow", {"step": 0.5})
    await wait_for(lambda: pool.fetchval("SELECT count(*) = 1 FROM test_job_runs"))
    first.send_signal(signal.SIGKILL)  # mid-job: no cleanup, the lease just runs out
    first.wait()
    spawn_worker(lease=2.0)
    await wait_for(lambda: pool.fetchval("SELECT status = 'succeeded' FROM background_jobs WHERE id = $1", job_id), 40)
    runs = await pool.fetch("SELECT pid FROM test_job_runs ORDER BY at")
    assert len(runs) == 2 and runs[0]["pid"] == first.pid and runs[1]["pid"] != first.pid
    assert await pool.fetchval("SELECT attempts FROM background_jobs WHERE id = $1", job_id) == 2


async def test_two_workers_run_each_of_100_jobs_exactly_once(pool: asyncpg.Pool, runs_table: None, spawn_worker) -> None:
    spawn_worker()
    spawn_worker()
    async with pool.acquire() as conn, conn.transaction():
        for _ in range(100):
            await jobs.enqueue(conn, "test.record", {"sleep": 0.01})
    await wait_for(lambda: pool.fetchval("SELECT count(*) = 100 FROM background_jobs WHERE status = 'succeeded'"), 60)
    per_job = await pool.fetch("SELECT job_id, count(*) AS n FROM test_job_runs GROUP BY job_id")
    assert len(per_job) == 100 and all(r["n"] == 1 for r in per_job)
    pids = {r["pid"] for r in await pool.fetch("SELECT DISTINCT pid FROM test_job_runs")}
    assert len(pids) == 2, "both workers should have taken jobs"


async def test_failed_job_is_retried_with_growing_backoff_then_dead(pool: asyncpg.Pool, database_url: str) -> None:
    attempts: list[float] = []

    async def flaky(ctx: JobContext) -> None:
        attempts.append(time.monotonic())
        raise RuntimeError("receiver down")

    registry = JobRegistry()
    registry.register("test.flaky", flaky)
    async with pool.acquire() as conn:
        job_id = await jobs.enqueue(conn, "test.flaky", {}, max_attempts=3)
    original = jobs.BACKOFF_BASE
    jobs.BACKOFF_BASE = 0.4  # seconds; keeps the test short while keeping the shape
    worker = Worker(pool, database_url, registry, concurrency=1, poll_seconds=0.05)
    task = asyncio.create_task(worker.run())
    try:
        await wait_for(lambda: pool.fetchval("SELECT status = 'dead' FROM background_jobs WHERE id = $1", job_id), 20)
    finally:
        jobs.BACKOFF_BASE = original
        await worker.stop()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert len(attempts) == 3
    gaps = [b - a for a, b in zip(attempts, attempts[1:])]
    assert gaps[0] >= 0.2 - 0.05  # first retry waits at least base/2
    assert gaps[1] >= 0.4 - 0.05  # second waits at least (2 * base)/2
    row = await pool.fetchrow("SELECT last_error, attempts FROM background_jobs WHERE id = $1", job_id)
    assert row["attempts"] == 3 and "receiver down" in row["last_error"]


def test_backoff_grows_and_is_capped() -> None:
    for attempt in range(1, 8):
        delay = jobs.backoff_delay(attempt, base=2, cap=60)
        ceiling = min(60, 2 * 2 ** (attempt - 1))
        assert ceiling / 2 <= delay <= ceiling


async def test_permanent_error_goes_straight_to_dead(pool: asyncpg.Pool, database_url: str) -> None:
    calls = 0

    async def bad_input(ctx: JobContext) -> None:
        nonlocal calls
        calls += 1
        raise PermanentJobError("corrupt file")

    registry = JobRegistry()
    registry.register("test.bad", bad_input)
    async with pool.acquire() as conn:
        job_id = await jobs.enqueue(conn, "test.bad", {})
    worker = Worker(pool, database_url, registry, concurrency=1, poll_seconds=0.05)
    task = asyncio.create_task(worker.run())
    try:
        await wait_for(lambda: pool.fetchval("SELECT status = 'dead' FROM background_jobs WHERE id = $1", job_id))
    finally:
        await worker.stop()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert calls == 1


async def test_progress_is_visible_while_running(pool: asyncpg.Pool, database_url: str) -> None:
    release = asyncio.Event()

    async def long(ctx: JobContext) -> None:
        await ctx.progress(0.5, "half way")
        await release.wait()

    registry = JobRegistry()
    registry.register("test.long", long)
    async with pool.acquire() as conn:
        job_id = await jobs.enqueue(conn, "test.long", {})
    worker = Worker(pool, database_url, registry, concurrency=1, poll_seconds=0.05)
    task = asyncio.create_task(worker.run())
    try:
        await wait_for(lambda: pool.fetchval("SELECT progress = 0.5 FROM background_jobs WHERE id = $1", job_id))
        async with pool.acquire() as conn:
            job = await jobs.get_job(conn, job_id)
        assert job is not None and job.status == "running" and job.progress_message == "half way"
        release.set()
        await wait_for(lambda: pool.fetchval("SELECT status = 'succeeded' FROM background_jobs WHERE id = $1", job_id))
    finally:
        await worker.stop()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_dedupe_key_makes_enqueue_idempotent(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        first = await jobs.enqueue(conn, "test.noop", {}, dedupe_key="recording-1")
        second = await jobs.enqueue(conn, "test.noop", {}, dedupe_key="recording-1")
    assert first is not None and second is None
    assert await pool.fetchval("SELECT count(*) FROM background_jobs") == 1


async def test_sigterm_stops_worker_and_gives_job_back(pool: asyncpg.Pool, runs_table: None, spawn_worker) -> None:
    proc = spawn_worker(lease=30.0)
    async with pool.acquire() as conn:
        job_id = await jobs.enqueue(conn, "test.slow", {"step": 2.0})
    await wait_for(lambda: pool.fetchval("SELECT count(*) = 1 FROM test_job_runs"))
    proc.send_signal(signal.SIGTERM)
    assert await asyncio.to_thread(proc.wait, 20) == 0
    row = await pool.fetchrow("SELECT status, attempts, locked_by FROM background_jobs WHERE id = $1", job_id)
    # The job outlived the grace period: it is handed back untouched, not left leased.
    assert row["status"] == "queued" and row["attempts"] == 0 and row["locked_by"] is None
