"""REST latency under load: GET /api/v1/applications with three filters, and the four analytics
reports, at 20 concurrent clients, over 100,000 applications across 50 jobs.

    python bench/rest.py [--server-url postgresql://postgres@127.0.0.1:5432/postgres]
                         [--requests 400] [--concurrency 20] [--applications 100000] [--jobs 50]

Creates a fresh database on that PostgreSQL server, starts `hub serve` on it as a subprocess (the
hub migrates it), registers an agency, bulk-loads the applications in SQL (the same loader as the
index-fit test, tests/api/bulk_applications.py) plus interviews and hire history for the reports,
then measures with aiohttp clients. The hub is stopped and the database dropped at the end.
Prints figures; asserts only that every reply is 200.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import math
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import asyncpg

REPO = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 120  # seconds the hub may take to migrate and listen
WARMUP_REQUESTS = 20  # per scenario, not measured


def load_bulk_loader() -> ModuleType:
    """The test suite's SQL bulk loader, loaded by file so the bench needs no test package."""
    spec = importlib.util.spec_from_file_location("bench_bulk_applications", REPO / "tests/api/bulk_applications.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Result:
    name: str
    latencies_ms: list[float]
    wall_s: float

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]

    def row(self) -> str:
        n = len(self.latencies_ms)
        return (
            f"{self.name:<34} {n:>6} {self.percentile(50):>9.1f} {self.percentile(99):>9.1f} "
            f"{sum(self.latencies_ms) / n:>9.1f} {max(self.latencies_ms):>9.1f} {n / self.wall_s:>8.1f}"
        )


class Hub:
    """`hub serve` in a subprocess on a fresh database."""

    def __init__(self, database_url: str, data_dir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "HUB_DATA_DIR": str(data_dir),
            "HUB_JWT_SECRET": secrets.token_urlsafe(48),
            "HUB_LOG_LEVEL": "WARNING",  # one log line per request would be measured too
            "HUB_RATE_LIMIT_ENABLED": "false",  # one user sends thousands of requests a minute here
            "HUB_ACCESS_TOKEN_TTL": "7200",
        }
        env.pop("REDIS_URL", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "hub.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port), "--workers", "0"],
            env=env,
            cwd=data_dir,
        )

    async def wait_ready(self, session: aiohttp.ClientSession) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the hub exited with status {self.process.returncode}")
            try:
                async with session.get(f"{self.url}/api/v1/health") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.5)
        raise SystemExit(f"the hub did not answer within {START_TIMEOUT_S} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


async def register_owner(session: aiohttp.ClientSession, hub: Hub) -> tuple[str, uuid.UUID]:
    body = {
        "email": f"bench-{uuid.uuid4().hex[:8]}@example.com",
        "password": secrets.token_urlsafe(16),
        "fullName": "Bench Owner",
        "role": "owner",
        "agencyName": "Bench Agency",
    }
    async with session.post(f"{hub.url}/api/v1/auth/register", json=body) as response:
        data = (await response.json())["data"]
        assert response.status == 201, data
    return data["accessToken"], uuid.UUID(data["user"]["agencyId"])


async def load_reports_data(conn: asyncpg.Connection, agency_id: uuid.UUID) -> None:
    """Interviews for applications past shortlisting, and the move to hired for hired ones."""
    await conn.execute(
        """INSERT INTO interviews (agency_id, application_id, interview_type, scheduled_at, status)
           SELECT $1, id, (ARRAY['phone', 'video', 'onsite'])[1 + n % 3], applied_at + interval '5 days',
                  (ARRAY['scheduled', 'completed', 'cancelled', 'no_show'])[1 + n % 4]
           FROM (SELECT id, applied_at, row_number() OVER (ORDER BY id) AS n FROM applications
                 WHERE agency_id = $1 AND status IN ('interview_scheduled', 'interviewed', 'offer_sent', 'hired')) a""",
        agency_id,
    )
    await conn.execute(
        """INSERT INTO application_status_history (agency_id, application_id, from_status, to_status, changed_at)
           SELECT $1, id, 'offer_sent', 'hired', applied_at + interval '12 days'
           FROM applications WHERE agency_id = $1 AND status = 'hired'""",
        agency_id,
    )
    await conn.execute("ANALYZE")


async def measure(
    session: aiohttp.ClientSession, name: str, url: str, headers: dict[str, str], *, requests: int, concurrency: int
) -> Result:
    async def one() -> float:
        started = time.perf_counter()
        async with session.get(url, headers=headers) as response:
            await response.read()
            if response.status != 200:
                raise SystemExit(f"{name}: HTTP {response.status}: {await response.text()}")
        return (time.perf_counter() - started) * 1000

    for _ in range(WARMUP_REQUESTS):
        await one()
    remaining = iter(range(requests))
    latencies: list[float] = []

    async def client() -> None:
        for _ in remaining:
            latencies.append(await one())

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return Result(name, latencies, time.perf_counter() - started)


async def run(args: argparse.Namespace) -> None:
    loader = load_bulk_loader()
    db_name = f"bench_rest_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(args.server_url)
    await admin.execute(f'CREATE DATABASE "{db_name}"')
    database_url = with_database(args.server_url, db_name)
    with tempfile.TemporaryDirectory() as tmp:
        hub = Hub(database_url, Path(tmp))
        try:
            connector = aiohttp.TCPConnector(limit=args.concurrency)
            async with aiohttp.ClientSession(connector=connector) as session:
                await hub.wait_ready(session)
                token, agency_id = await register_owner(session, hub)
                conn = await asyncpg.connect(database_url)
                try:
                    started = time.perf_counter()
                    await loader.load_applications(conn, agency_id, applications=args.applications, jobs=args.jobs)
                    await load_reports_data(conn, agency_id)
                    load_s = time.perf_counter() - started
                    interviews = await conn.fetchval("SELECT count(*) FROM interviews")
                finally:
                    await conn.close()
                headers = {"Authorization": f"Bearer {token}"}
                since = (datetime.now(UTC) - timedelta(days=180)).strftime("%Y-%m-%dT%H:%M:%SZ")
                list_url = f"{hub.url}/api/v1/applications?status=shortlisted,interviewed&minScore=50&appliedAfter={since}"
                async with session.get(list_url, headers=headers) as response:
                    matching = (await response.json())["meta"]["total"]
                scenarios = [
                    ("GET /applications (3 filters)", list_url),
                    ("GET /analytics/jobs", f"{hub.url}/api/v1/analytics/jobs"),
                    ("GET /analytics/applications", f"{hub.url}/api/v1/analytics/applications"),
                    ("GET /analytics/interviews", f"{hub.url}/api/v1/analytics/interviews"),
                    ("GET /analytics/clients", f"{hub.url}/api/v1/analytics/clients"),
                ]
                print(
                    f"data: {args.applications} applications, {args.jobs} jobs, {interviews} interviews; loaded in {load_s:.1f} s"
                )
                print(f"list filters: status=shortlisted,interviewed & minScore=50 & appliedAfter={since} ({matching} matching)")
                print(
                    f"load: {args.requests} requests per scenario, {args.concurrency} concurrent clients, "
                    f"{os.cpu_count()} CPUs shared by the hub (1 process), PostgreSQL and this client\n"
                )
                print(f"{'scenario':<34} {'n':>6} {'p50 ms':>9} {'p99 ms':>9} {'mean ms':>9} {'max ms':>9} {'req/s':>8}")
                for name, url in scenarios:
                    result = await measure(session, name, url, headers, requests=args.requests, concurrency=args.concurrency)
                    print(result.row(), flush=True)
        finally:
            hub.stop()
            await admin.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
            await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--server-url",
        default=os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL maintenance database URL; the bench creates and drops its own database there",
    )
    parser.add_argument("--requests", type=int, default=400, help="measured requests per scenario")
    parser.add_argument("--concurrency", type=int, default=20, help="concurrent clients")
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, default=50)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
