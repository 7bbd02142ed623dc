"""Domain events: written with the change, dispatched after commit, never lost across restarts."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from hub.events import Event, EventDispatcher, emit


async def test_emit_outside_a_transaction_is_refused(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        with pytest.raises(RuntimeError):
            await emit(conn, "application.created", {}, agency_id=None)


async def test_unknown_event_type_is_refused(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn, conn.transaction():
        with pytest.raises(ValueError):
            await emit(conn, "application.exploded", {}, agency_id=None)


async def test_rolled_back_event_is_never_dispatched(pool: asyncpg.Pool, database_url: str) -> None:
    seen: list[Event] = []

    async def subscriber(conn: asyncpg.Connection, event: Event) -> None:
        seen.append(event)

    async with pool.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        await emit(conn, "application.created", {"n": 1}, agency_id=None)
        await tx.rollback()
        async with conn.transaction():
            await emit(conn, "application.created", {"n": 2}, agency_id=None)
    dispatcher = EventDispatcher(pool, database_url)
    dispatcher.subscribe("test", subscriber)
    assert await dispatcher.dispatch_batch() == 1
    assert [e.data for e in seen] == [{"n": 2}]


async def test_events_survive_a_dispatcher_restart(pool: asyncpg.Pool, database_url: str) -> None:
    """Events written while no dispatcher runs are handed over when one starts."""
    async with pool.acquire() as conn, conn.transaction():
        for n in range(5):
            await emit(conn, "chat.message.created", {"n": n}, agency_id=None)
    seen: list[int] = []

    async def subscriber(conn: asyncpg.Connection, event: Event) -> None:
        seen.append(event.data["n"])

    dispatcher = EventDispatcher(pool, database_url)
    dispatcher.subscribe("test", subscriber)
    task = asyncio.create_task(dispatcher.run())
    try:
        for _ in range(100):
            if len(seen) == 5:
                break
            await asyncio.sleep(0.05)
        async with pool.acquire() as conn, conn.transaction():
            await emit(conn, "chat.message.created", {"n": 5}, agency_id=None)  # woken by NOTIFY
        for _ in range(100):
            if len(seen) == 6:
                break
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert seen == [0, 1, 2, 3, 4, 5]
    assert await pool.fetchval("SELECT count(*) FROM events WHERE dispatched_at IS NULL") == 0


async def test_failing_subscriber_does_not_block_others(pool: asyncpg.Pool, database_url: str) -> None:
    seen: list[str] = []

    async def broken(conn: asyncpg.Connection, event: Event) -> None:
        await conn.execute("SELECT 1/0")

    async def healthy(conn: asyncpg.Connection, event: Event) -> None:
        seen.append(event.type)

    async with pool.acquire() as conn, conn.transaction():
        await emit(conn, "offer.sent", {}, agency_id=None)
    dispatcher = EventDispatcher(pool, database_url)
    dispatcher.subscribe("broken", broken)
    dispatcher.subscribe("healthy", healthy)
    assert await dispatcher.dispatch_batch() == 1
    assert seen == ["offer.sent"]
