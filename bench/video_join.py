"""Video rooms on the embedded mesh provider: join tokens issued per second through the REST API
(end to end: HTTP, auth, room checks, the participant record, signing), and the relay latency of
the hub's `signal` event between two Socket.IO clients.

The hub runs as its own process (`python -m hub.cli serve`, no job workers, rate limits off) on a
scratch database created on the given PostgreSQL server and dropped afterwards; the clients run
in this process.

    python bench/video_join.py [--database-url postgresql://...] [--joins 2000] [--concurrency 16]
                               [--signals 2000]

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import asyncpg
import socketio

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/test"
PASSWORD = "bench password 123"
START_TIMEOUT_S = 60  # seconds the hub may take to migrate and listen


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@contextlib.asynccontextmanager
async def scratch_database(server_url: str) -> AsyncIterator[str]:
    name = f"hub_bench_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    try:
        yield urlunsplit(urlsplit(server_url)._replace(path="/" + name))
    finally:
        conn = await asyncpg.connect(server_url)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


@contextlib.asynccontextmanager
async def hub_process(database_url: str, data_dir: Path) -> AsyncIterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "HUB_PORT": str(port),
        "HUB_DATA_DIR": str(data_dir),
        "HUB_JWT_SECRET": "bench-secret-" + "b" * 40,
        "HUB_WORKERS": "0",
        "HUB_RATE_LIMIT_ENABLED": "false",
        "HUB_LOG_LEVEL": "WARNING",
    }
    env.pop("LIVEKIT_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "hub.cli", "serve"], cwd=REPO, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            deadline = time.monotonic() + START_TIMEOUT_S
            while True:
                if proc.poll() is not None:
                    raise SystemExit(f"the hub exited with status {proc.returncode}")
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"{url}/api/v1/health") as reply:
                        if reply.status < 500:
                            break
                if time.monotonic() > deadline:
                    raise SystemExit("the hub did not start in time")
                await asyncio.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


async def post(http: aiohttp.ClientSession, url: str, body: dict[str, Any], token: str | None = None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with http.post(url, json=body, headers=headers) as reply:
        data = await reply.json()
        if reply.status >= 300:
            raise SystemExit(f"POST {url}: {reply.status} {data}")
        return data["data"]


async def setup(http: aiohttp.ClientSession, url: str, database_url: str) -> tuple[str, str, str]:
    """An agency owner, a candidate with an application, and a room for it: (owner token, candidate token, room id)."""
    api = f"{url}/api/v1"
    owner = await post(http, f"{api}/auth/register", {
        "email": f"owner-{uuid.uuid4().hex[:8]}@example.com", "password": PASSWORD, "fullName": "Olive Owner",
        "role": "owner", "agencyName": "Bench Talent"})
    candidate = await post(http, f"{api}/auth/register", {
        "email": f"cand-{uuid.uuid4().hex[:8]}@example.com", "password": PASSWORD, "fullName": "Cora Candidate"})
    agency_id = uuid.UUID(owner["user"]["agencyId"])
    conn = await asyncpg.connect(database_url)
    try:  # jobs and applications have an API of their own; the bench only needs one to exist
        job_id = await conn.fetchval(
            "INSERT INTO jobs (agency_id, title, status) VALUES ($1, 'Bench job', 'open') RETURNING id", agency_id)
        application_id = await conn.fetchval(
            "INSERT INTO applications (agency_id, job_id, candidate_id) VALUES ($1, $2, $3) RETURNING id",
            agency_id, job_id, uuid.UUID(candidate["user"]["id"]))
    finally:
        await conn.close()
    room = await post(http, f"{api}/video/rooms", {"callType": "technical", "applicationId": str(application_id)},
                      owner["accessToken"])
    return owner["accessToken"], candidate["accessToken"], room["id"]


async def bench_joins(http: aiohttp.ClientSession, url: str, tokens: list[tuple[str, str]], room_id: str,
                      total: int, concurrency: int) -> dict[str, float]:
    """`total` join requests, `concurrency` at a time, alternating the people (and roles) asking."""
    latencies: list[float] = []
    endpoint = f"{url}/api/v1/video/rooms/{room_id}/join"
    counter = iter(range(total))

    async def worker() -> None:
        for i in counter:
            token, role = tokens[i % len(tokens)]
            started = time.perf_counter()
            await post(http, endpoint, {"role": role}, token)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return {"tokens_per_s": total / elapsed, "p50_ms": percentile(latencies, 0.5) * 1000,
            "p99_ms": percentile(latencies, 0.99) * 1000}


async def bench_relay(http: aiohttp.ClientSession, url: str, tokens: list[tuple[str, str]], room_id: str,
                      count: int) -> dict[str, float]:
    """Host sends `count` signals to the candidate one after another; latency = sent -> delivered."""
    clients: list[socketio.AsyncClient] = []
    identities: list[str] = []
    for token, role in tokens:
        ticket = await post(http, f"{url}/api/v1/video/rooms/{room_id}/join", {"role": role}, token)
        client = socketio.AsyncClient(reconnection=False)
        await client.connect(url, auth={"token": ticket["token"]}, transports=["websocket"])
        ack = await client.call("room:join", {"roomId": room_id})
        assert ack["ok"], ack
        clients.append(client)
        identities.append(ticket["identity"])
    sender, receiver = clients
    relay: list[float] = []
    acks: list[float] = []
    arrived: asyncio.Queue[float] = asyncio.Queue()

    @receiver.on("signal")
    async def on_signal(data: dict[str, Any]) -> None:
        await arrived.put(time.perf_counter() - data["payload"]["sentAt"])

    candidate_sdp = {"candidate": "candidate:1 1 udp 2130706431 192.0.2.1 50000 typ host", "sdpMid": "0"}
    try:
        for i in range(count):
            sent = time.perf_counter()
            ack = await sender.call("signal", {"roomId": room_id, "to": identities[1], "type": "candidate",
                                               "payload": {**candidate_sdp, "sentAt": sent, "seq": i}})
            acks.append(time.perf_counter() - sent)
            assert ack["ok"], ack
            relay.append(await asyncio.wait_for(arrived.get(), 5))
    finally:
        for client in clients:
            await client.disconnect()
    return {"p50_ms": percentile(relay, 0.5) * 1000, "p99_ms": percentile(relay, 0.99) * 1000,
            "mean_ms": statistics.fmean(relay) * 1000, "ack_p50_ms": percentile(acks, 0.5) * 1000,
            "ack_p99_ms": percentile(acks, 0.99) * 1000}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_SERVER),
                        help="a PostgreSQL server (a scratch database is created on it)")
    parser.add_argument("--joins", type=int, default=2000, help="join requests to time")
    parser.add_argument("--concurrency", type=int, default=16, help="join requests in flight")
    parser.add_argument("--signals", type=int, default=2000, help="signals to time")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        async with scratch_database(args.database_url) as database_url, hub_process(database_url, Path(tmp)) as url:
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=args.concurrency)) as http:
                owner, candidate, room_id = await setup(http, url, database_url)
                people = [(owner, "host"), (candidate, "participant")]
                await bench_joins(http, url, people, room_id, 100, args.concurrency)  # warm-up
                joins = await bench_joins(http, url, people, room_id, args.joins, args.concurrency)
                relay = await bench_relay(http, url, people, room_id, args.signals)
    print(f"join tokens (mesh, REST end to end, {args.joins} requests, {args.concurrency} in flight): "
          f"{joins['tokens_per_s']:.0f}/s, latency p50 {joins['p50_ms']:.1f} ms, p99 {joins['p99_ms']:.1f} ms")
    print(f"signal relay ({args.signals} messages, one at a time): p50 {relay['p50_ms']:.2f} ms, "
          f"p99 {relay['p99_ms']:.2f} ms, mean {relay['mean_ms']:.2f} ms; "
          f"ack round trip p50 {relay['ack_p50_ms']:.2f} ms, p99 {relay['ack_p99_ms']:.2f} ms")


if __name__ == "__main__":
    asyncio.run(main())
