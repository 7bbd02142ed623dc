"""Webhook delivery: deliveries per second to a local receiver with 1 and 10 endpoints, and
the time from an event's commit to its receipt (p50, p99).

A `hub serve` process (in-process workers) runs on a fresh database on the system PostgreSQL
(or BENCH_DATABASE_URL's server), dropped afterwards. This process commits events (one per
transaction, as a feature would) and runs the receiver, which verifies every request with
`standardwebhooks`. "burst" commits the events as fast as it can (throughput, and latency
under load); "paced" commits one every 50 ms (latency of a quiet hub).

    python bench/webhooks.py [--events 1000] [--fanout-events 200] [--workers 8]
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
from aiohttp import web
from standardwebhooks import Webhook, WebhookVerificationError

from hub.db import create_pool, transaction
from hub.events import emit

SERVER = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


class Receiver:
    """Verifies each request and notes when each (endpoint, webhook-id) first arrived."""

    def __init__(self) -> None:
        self.secrets: dict[str, Webhook] = {}  # path -> verifier
        self.arrived: dict[tuple[str, str], float] = {}
        self.rejected = 0
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/{endpoint}", self.handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"

    async def stop(self) -> None:
        assert self._runner is not None
        await self._runner.cleanup()

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        path = request.match_info["endpoint"]
        try:
            self.secrets[path].verify(body, dict(request.headers))
        except (WebhookVerificationError, KeyError):
            self.rejected += 1
            return web.Response(status=401)
        self.arrived.setdefault((path, request.headers["webhook-id"]), time.time())
        return web.Response(status=204)


async def run_case(base: str, token: str, pool: asyncpg.Pool, agency_id: uuid.UUID, *, endpoints: int, events: int,
                   paced: bool) -> None:  # fmt: skip
    receiver = Receiver()
    await receiver.start()
    headers = {"Authorization": f"Bearer {token}"}
    created: list[str] = []
    async with aiohttp.ClientSession(headers=headers) as session:
        for n in range(endpoints):
            async with session.post(base + "/api/v1/webhooks", json={"url": f"{receiver.url}/e{n}", "events": ["*"]}) as r:
                data = (await r.json())["data"]
            receiver.secrets[f"e{n}"] = Webhook(data["secret"])
            created.append(data["id"])
    committed: dict[str, float] = {}
    started = time.time()
    for _ in range(events):
        async with transaction(pool) as conn:
            event_id = await emit(conn, "application.created", {"applicationId": str(uuid.uuid4())}, agency_id=agency_id)
        committed[str(event_id)] = time.time()
        if paced:
            await asyncio.sleep(0.05)
    expected = events * endpoints
    deadline = time.time() + 300
    while len(receiver.arrived) < expected and time.time() < deadline:
        await asyncio.sleep(0.05)
    finished = max(receiver.arrived.values(), default=time.time())
    latencies = sorted((at - committed[event_id]) * 1000 for (_, event_id), at in receiver.arrived.items())
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
    label = f"{endpoints:>2} endpoint{'s' if endpoints > 1 else ' '} {'paced' if paced else 'burst'}"
    print(f"  {label:<22} {len(receiver.arrived):>5}/{expected} delivered   "
          f"{len(receiver.arrived) / (finished - started):7.0f} deliveries/s   {events / (finished - started):6.0f} events/s   "
          f"commit->receipt p50 {p(0.5):7.1f} ms  p99 {p(0.99):7.1f} ms  mean {statistics.mean(latencies):7.1f} ms   "
          f"rejected {receiver.rejected}")
    async with aiohttp.ClientSession(headers=headers) as session:
        for endpoint_id in created:  # free the plan's endpoint slots for the next case
            async with session.delete(f"{base}/api/v1/webhooks/{endpoint_id}") as r:
                await r.read()
    await receiver.stop()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1000, help="events for the 1-endpoint cases")
    parser.add_argument("--fanout-events", type=int, default=200, help="events for the 10-endpoint cases")
    parser.add_argument("--workers", type=int, default=8, help="in-process job runners of the hub")
    args = parser.parse_args()
    name = f"hub_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(SERVER)
    await admin.execute(f'CREATE DATABASE "{name}"')
    db_url = SERVER.rsplit("/", 1)[0] + "/" + name
    proc, base, _ = start_hub({"DATABASE_URL": db_url, "HUB_WORKERS": str(args.workers), "HUB_JWT_SECRET": "b" * 40,
                               "HUB_WEBHOOK_ALLOW_PRIVATE": "true", "HUB_JOB_POLL_SECONDS": "0.5"},
                              cwd=Path(tempfile.mkdtemp()))  # fmt: skip
    pool = await create_pool(db_url, max_size=4)
    try:
        owner = {"email": "bench@example.com", "password": "bench-password", "fullName": "Bench", "role": "owner",
                 "agencyName": "Bench Agency"}  # fmt: skip
        async with aiohttp.ClientSession() as session, session.post(base + "/api/v1/auth/register", json=owner) as response:
            data = (await response.json())["data"]
        agency_id = uuid.UUID(data["user"]["agencyId"])
        await pool.execute("UPDATE agencies SET plan = 'enterprise' WHERE id = $1", agency_id)
        print(f"one hub process with {args.workers} in-process workers; receiver in the bench process")
        for endpoints, events in ((1, args.events), (10, args.fanout_events)):
            for paced in (False, True):
                count = events if not paced else min(events, 100)
                await run_case(base, data["accessToken"], pool, agency_id, endpoints=endpoints, events=count, paced=paced)
    finally:
        await pool.close()
        stop_hub(proc)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
