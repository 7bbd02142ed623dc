"""The cost of API-key authentication, rate limiting and the audit trail on a list endpoint.

Runs a hub process (this script with --serve: the normal app plus two bench-only routes
outside /api/v1, where neither rate limits nor the audit trail apply) and loads, at the same
concurrency, on that one process:
  direct                 GET /bench/direct           the list_api_keys handler with a fixed principal
  api key, auth only     GET /bench/auth-only        + X-API-Key checked (no limit, no audit)
  api key                GET /api/v1/api-keys        + X-API-Key, rate limit, audit
  bearer JWT             GET /api/v1/api-keys        + Authorization: Bearer, rate limit, audit
and, when Redis is reachable, the api-key case on a second hub whose limits live in Redis.
Limits are scaled up (HUB_RATE_LIMIT_SCALE) so they are counted but never trip. The cases are
measured in turn, `--rounds` times, and the median of the rounds is printed (the machine may
be shared: compare cases of one run, not runs).

    python bench/auth.py [--seconds 4] [--rounds 3] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import asyncpg
from _hub import ROOT, free_port, stop_hub

SERVER = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


def serve(port: int) -> None:
    """The hub, plus the bench-only routes (never part of the product)."""
    from aiohttp import web

    from api.api_keys import ApiKeyQuery, list_api_keys
    from hub.app import create_app
    from hub.auth.principal import SCOPES, Principal
    from hub.http import PRINCIPAL, authenticate, parse_query
    from hub.logs import configure_logging
    from hub.settings import Settings

    async def direct(request: web.Request) -> web.StreamResponse:
        agency = uuid.UUID(request.headers["X-Bench-Agency"])
        request[PRINCIPAL] = Principal("api_key", uuid.uuid4(), agency, "integration", frozenset(SCOPES))
        return await list_api_keys(request, query=parse_query(request, ApiKeyQuery))

    async def auth_only(request: web.Request) -> web.StreamResponse:
        (await authenticate(request)).require_scope("keys:read")
        return await list_api_keys(request, query=parse_query(request, ApiKeyQuery))

    settings = Settings.from_env()
    configure_logging("WARNING", "text")
    app = create_app(settings)
    app.router.add_get("/bench/direct", direct)
    app.router.add_get("/bench/auth-only", auth_only)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


def start(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, __file__, "--serve", str(port)], cwd=tempfile.mkdtemp(),
                            env={**os.environ, "PYTHONPATH": str(ROOT), **env},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"bench hub exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(base + "/api/v1/health", timeout=1):
                return proc, base
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("bench hub did not start")


async def load(url: str, headers: dict[str, str], seconds: float, concurrency: int) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency), headers=headers) as session:

        async def client() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                async with session.get(url) as response:
                    await response.read()
                    errors += response.status != 200
                latencies.append(time.perf_counter() - started)

        await asyncio.gather(*(client() for _ in range(concurrency)))
    return latencies, errors


def percentile(latencies: list[float], q: float) -> float:
    """In milliseconds."""
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def setup(base: str) -> dict[str, Any]:
    """An agency with three keys; returns an owner token, one key's secret and the agency id."""
    async with aiohttp.ClientSession() as session:
        async with session.post(base + "/api/v1/auth/register", json={
                "email": f"bench-{uuid.uuid4().hex[:6]}@example.com", "password": "bench-password",
                "fullName": "Bench", "role": "owner", "agencyName": "Bench"}) as r:  # fmt: skip
            data = (await r.json())["data"]
        token = data["accessToken"]
        secret = ""
        for n in range(3):
            async with session.post(base + "/api/v1/api-keys", headers={"Authorization": f"Bearer {token}"},
                                    json={"name": f"key {n}", "scopes": ["keys:read"]}) as r:  # fmt: skip
                secret = (await r.json())["data"]["secret"]
    return {"token": token, "secret": secret, "agency": data["user"]["agencyId"]}


def _redis_reachable() -> bool:
    parts = urlsplit(REDIS)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=0.5):
            return True
    except OSError:
        return False


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    name = f"hub_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(SERVER)
    await admin.execute(f'CREATE DATABASE "{name}"')
    env = {"DATABASE_URL": SERVER.rsplit("/", 1)[0] + "/" + name, "HUB_WORKERS": "0", "HUB_JWT_SECRET": "b" * 40,
           "HUB_RATE_LIMIT_SCALE": "100000"}  # fmt: skip
    procs = []
    try:
        proc, base = start(env)
        procs.append(proc)
        made = await setup(base)
        key = {"X-API-Key": made["secret"]}
        cases = [
            ("direct (no auth/limit/audit)", base + "/bench/direct", {"X-Bench-Agency": made["agency"]}),
            ("api key, auth only", base + "/bench/auth-only", key),
            ("api key + limit + audit", base + "/api/v1/api-keys", key),
            ("bearer JWT + limit + audit", base + "/api/v1/api-keys", {"Authorization": f"Bearer {made['token']}"}),
        ]
        if _redis_reachable():
            proc, redis_base = start({**env, "REDIS_URL": REDIS, "HUB_RATE_LIMIT_PREFIX": f"bench-{uuid.uuid4().hex[:8]}"})
            procs.append(proc)
            cases.append(("api key + Redis limit + audit", redis_base + "/api/v1/api-keys", key))
        print(f"GET list of 3 API keys, {args.concurrency} concurrent connections, {args.rounds} rounds of "
              f"{args.seconds:g} s per case, medians")
        for _, url, headers in cases:
            await load(url, headers, 1.0, args.concurrency)  # warm-up
        results: dict[str, list[tuple[float, float, float]]] = {label: [] for label, _, _ in cases}
        errors = 0
        for _ in range(args.rounds):
            for label, url, headers in cases:
                latencies, failed = await load(url, headers, args.seconds, args.concurrency)
                errors += failed
                results[label].append((len(latencies) / args.seconds, percentile(latencies, 0.5), percentile(latencies, 0.99)))
        baseline = statistics.median(r[0] for r in results[cases[0][0]])
        for label, rounds in results.items():
            rate, p50, p99 = (statistics.median(r[i] for r in rounds) for i in range(3))
            print(f"  {label:<30} {rate:7.0f} req/s ({rate / baseline:5.0%})   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms")
        print(f"  non-200 answers: {errors}")
    finally:
        for proc in procs:
            stop_hub(proc)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    if "--serve" in sys.argv:
        serve(int(sys.argv[sys.argv.index("--serve") + 1]))
    else:
        asyncio.run(main())
