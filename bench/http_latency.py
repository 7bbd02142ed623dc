"""Requests per second and latency of an authenticated GET /api/v1/users/me at 50 concurrent
connections, with GET /api/v1/health for comparison.

Starts a hub on the system PostgreSQL (a fresh database it drops afterwards) or on
BENCH_DATABASE_URL's server. Usage: python bench/http_latency.py [--seconds 10] [--concurrency 50]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
import asyncpg

from _hub import start_hub, stop_hub

SERVER = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


async def load(url: str, headers: dict[str, str], seconds: float, concurrency: int) -> tuple[int, list[float], int]:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def client() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                async with session.get(url) as response:
                    await response.read()
                    if response.status != 200:
                        errors += 1
                latencies.append(time.perf_counter() - started)

        await asyncio.gather(*(client() for _ in range(concurrency)))
    return len(latencies), latencies, errors


def report(name: str, count: int, latencies: list[float], errors: int, seconds: float) -> None:
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    print(f"  {name:<22} {count / seconds:8.0f} req/s   p50 {p(0.5):6.1f} ms   p99 {p(0.99):6.1f} ms   "
          f"mean {statistics.mean(latencies) * 1000:6.1f} ms   non-200: {errors}")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    name = f"hub_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(SERVER)
    await admin.execute(f'CREATE DATABASE "{name}"')
    db_url = SERVER.rsplit("/", 1)[0] + "/" + name
    tmp = tempfile.mkdtemp()
    proc, base, _ = start_hub({"DATABASE_URL": db_url, "HUB_WORKERS": "0", "HUB_JWT_SECRET": "b" * 40,
                               "HUB_RATE_LIMIT_ENABLED": "false"}, cwd=Path(tmp))
    try:
        async with aiohttp.ClientSession() as session:
            async with session.post(base + "/api/v1/auth/register", json={
                    "email": "bench@example.com", "password": "bench-password", "fullName": "Bench"}) as response:
                token = (await response.json())["data"]["accessToken"]
        print(f"{args.concurrency} concurrent connections, {args.seconds:.0f} s each, one hub process")
        for label, path, headers in (
            ("GET /api/v1/users/me", "/api/v1/users/me", {"Authorization": f"Bearer {token}"}),
            ("GET /api/v1/health", "/api/v1/health", {}),
        ):
            await load(base + path, headers, 1.0, args.concurrency)  # warm-up
            count, latencies, errors = await load(base + path, headers, args.seconds, args.concurrency)
            report(label, count, latencies, errors, args.seconds)
    finally:
        stop_hub(proc)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
