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


async def test_failed_subscriber_is_retried_without_rerunning_or_blocking_the_others(
    pool: asyncpg.Pool, database_url: str
) -> None:
    """No subscriber loses an event, and one failing subscriber delays nobody else."""
    await pool.execute("CREATE TABLE test_seen (event_id uuid)")
    failures = [1]
    flaky_calls = 0

    async def flaky(conn: asyncpg.Connection, event: Event) -> None:
        nonlocal flaky_calls
        flaky_calls += 1
        await conn.execute("INSERT INTO test_seen VALUES (gen_random_uuid())")  # undone on failure
        if failures:
            failures.pop()
            raise RuntimeError("receiver table locked")

    async def recorder(conn: asyncpg.Connection, event: Event) -> None:
        await conn.execute("INSERT INTO test_seen VALUES ($1)", event.event_id)

    async with pool.acquire() as conn, conn.transaction():
        await emit(conn, "offer.sent", {}, agency_id=None)
    dispatcher = EventDispatcher(pool, database_url)
    dispatcher.subscribe("recorder", recorder)
    dispatcher.subscribe("flaky", flaky)
    assert await dispatcher.dispatch_batch() == 1
    # The recorder's work is committed at once; the flaky subscriber's is undone.
    assert await pool.fetchval("SELECT count(*) FROM test_seen") == 1
    pending = await pool.fetchrow("SELECT done_subscribers, dispatch_attempts, dispatch_error FROM events")
    assert pending["done_subscribers"] == ["recorder"] and pending["dispatch_attempts"] == 1
    assert "receiver table locked" in pending["dispatch_error"]
    await pool.execute("UPDATE events SET next_dispatch_at = now()")  # skip the backoff wait
    assert await dispatcher.dispatch_batch() == 1
    assert flaky_calls == 2
    assert await pool.fetchval("SELECT count(*) FROM test_seen") == 2  # recorder did not run twice
    assert await pool.fetchval("SELECT count(*) FROM events WHERE dispatched_at IS NULL") == 0


async def test_poison_event_is_set_aside_after_max_attempts(pool: asyncpg.Pool, database_url: str) -> None:
    from hub.events import MAX_DISPATCH_ATTEMPTS

    async def broken(conn: asyncpg.Connection, event: Event) -> None:
        raise RuntimeError("always")

    async with pool.acquire() as conn, conn.transaction():
        await emit(conn, "offer.sent", {}, agency_id=None)
    dispatcher = EventDispatcher(pool, database_url)
    dispatcher.subscribe("broken", broken)
    for _ in range(MAX_DISPATCH_ATTEMPTS):
        await pool.execute("UPDATE events SET next_dispatch_at = now()")
        await dispatcher.dispatch_batch()
    row = await pool.fetchrow("SELECT dispatched_at, dispatch_attempts FROM events")
    assert row["dispatched_at"] is not None and row["dispatch_attempts"] == MAX_DISPATCH_ATTEMPTS
