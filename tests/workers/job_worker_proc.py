"""A real worker process for the queue tests: runs `test.record` and `test.slow` jobs.

Usage: python job_worker_proc.py DATABASE_URL LEASE_SECONDS
Each run of a job appends (job id, worker pid) to `test_job_runs`, so tests can count runs.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from hub import db
from workers.registry import JobRegistry
from workers.runner import JobContext, Worker


async def record(ctx: JobContext) -> dict[str, int]:
    async with ctx.pool.acquire() as conn:
        await conn.execute("INSERT INTO test_job_runs (job_id, pid) VALUES ($1, $2)", ctx.job.id, os.getpid())
    await asyncio.sleep(float(ctx.payload.get("sleep", 0)))
    return {"pid": os.getpid()}


async def slow(ctx: JobContext) -> dict[str, int]:
    async with ctx.pool.acquire() as conn:
        await conn.execute("INSERT INTO test_job_runs (job_id, pid) VALUES ($1, $2)", ctx.job.id, os.getpid())
    for step in range(10):
        await ctx.progress(step / 10)
        await asyncio.sleep(float(ctx.payload.get("step", 0.5)))
    return {"pid": os.getpid()}


async def main(url: str, lease: float) -> None:
    registry = JobRegistry()
    registry.register("test.record", record)
    registry.register("test.slow", slow)
    pool = await db.create_pool(url, max_size=4)
    worker = Worker(pool, url, registry, concurrency=2, lease_seconds=lease, poll_seconds=0.2)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    task = asyncio.create_task(worker.run())
    print("ready", flush=True)
    await stop.wait()
    await worker.stop(grace_seconds=5)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await pool.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], float(sys.argv[2])))
