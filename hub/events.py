"""Domain events: written to the outbox in the caller's transaction, then dispatched.

`emit()` only inserts a row, so an event exists exactly when the change that caused it was
committed. The dispatcher claims undispatched rows with SKIP LOCKED (several hub processes
cooperate), hands each to every subscriber inside that claim's transaction and marks it
dispatched; a crash before commit leaves the rows to be dispatched again (at-least-once).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from .db import listen_forever
from .jobs import backoff_delay
from .waiting import wait_event

logger = logging.getLogger(__name__)

NOTIFY_CHANNEL = "hub_events"
BATCH_SIZE = 100  # events per claim
POLL_SECONDS = 5.0  # fallback when a NOTIFY is missed; also when failed events come due
MAX_DISPATCH_ATTEMPTS = 10  # then an event is set aside with its error

EVENT_TYPES: frozenset[str] = frozenset(
    {
        "application.created",
        "application.status_changed",
        "interview.scheduled",
        "interview.completed",
        "interview.cancelled",
        "interview.rescheduled",
        "interview.no_show",
        "offer.sent",
        "offer.accepted",
        "offer.declined",
        "offer.withdrawn",
        "placement.created",
        "placement.completed",
        "placement.terminated",
        "onboarding.tasks.assigned",
        "onboarding.task.approved",
        "onboarding.task.rejected",
        "chat.message.created",
        "video.room.started",
        "video.room.ended",
        "video.participant.joined",
        "video.participant.left",
        "video.recording.ready",
        "video.transcript.completed",
        "video.transcript.failed",
        "webhook.endpoint.disabled",
        "webhook.test",
    }
)


@dataclass(frozen=True)
class Event:
    id: int
    event_id: UUID
    agency_id: UUID | None
    type: str
    data: dict[str, Any]
    created_at: datetime


# A subscriber may return a step to run once the batch has committed (a live push that must not
# reach anyone before the rows it announces are visible); most return None.
AfterCommit = Callable[[], Awaitable[None]]
Subscriber = Callable[[asyncpg.Connection, Event], Awaitable[AfterCommit | None]]


async def emit(conn: asyncpg.Connection, type: str, data: dict[str, Any], *, agency_id: UUID | None) -> UUID:
    """Record an event in the caller's transaction; returns its id."""
    if type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {type!r}")
    if not conn.is_in_transaction():
        raise RuntimeError("emit() must run inside the transaction of the change it reports")
    row = await conn.fetchrow(
        "INSERT INTO events (agency_id, type, data) VALUES ($1, $2, $3) RETURNING event_id", agency_id, type, data
    )
    await conn.execute("SELECT pg_notify($1, '')", NOTIFY_CHANNEL)
    return row["event_id"]


class EventDispatcher:
    """Background loop handing committed events to subscribers, in id order per batch."""

    def __init__(self, pool: asyncpg.Pool, database_url: str, *, on_dispatch: Callable[[Event], None] | None = None) -> None:
        self._pool = pool
        self._url = database_url
        self._subscribers: list[tuple[str, Subscriber]] = []
        self._wake = asyncio.Event()
        self._on_dispatch = on_dispatch

    def subscribe(self, name: str, subscriber: Subscriber) -> None:
        self._subscribers.append((name, subscriber))

    async def run(self) -> None:
        listener = asyncio.create_task(self._listen())
        try:
            while True:
                try:
                    while await self.dispatch_batch():
                        pass
                except asyncio.CancelledError:
                    raise
                except Exception:
                    logger.exception("event dispatch failed; retrying")
                    await asyncio.sleep(1)
                await wait_event(self._wake, POLL_SECONDS)
                self._wake.clear()
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener

    async def dispatch_batch(self) -> int:
        """Dispatch up to BATCH_SIZE due events; returns how many were claimed.

        Each subscriber runs in its own savepoint and is recorded in `done_subscribers` when it
        succeeds. An event with a failed subscriber stays pending and comes back after a backoff
        for the failed ones only, so no subscriber loses it and none is blocked by another.
        After MAX_DISPATCH_ATTEMPTS it is set aside (dispatched, with the error kept).
        """
        after_commit: list[tuple[str, AfterCommit]] = []
        async with self._pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                """SELECT * FROM events WHERE dispatched_at IS NULL AND next_dispatch_at <= now()
                   ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED""",
                BATCH_SIZE,
            )
            done: list[int] = []
            for row in rows:
                event = Event(row["id"], row["event_id"], row["agency_id"], row["type"], row["data"], row["created_at"])
                finished = set(row["done_subscribers"])
                errors: list[str] = []
                for name, subscriber in self._subscribers:
                    if name in finished:
                        continue
                    try:
                        async with conn.transaction():  # a savepoint: a failure undoes only this one
                            step = await subscriber(conn, event)
                    except Exception as exc:
                        logger.exception("subscriber %s failed on event %s", name, event.event_id)
                        errors.append(f"{name}: {type(exc).__name__}: {exc}")
                        continue
                    finished.add(name)
                    if step is not None:
                        after_commit.append((name, step))
                if errors:
                    await self._record_failure(conn, row, sorted(finished), "; ".join(errors))
                    continue
                done.append(row["id"])
                if self._on_dispatch is not None:
                    self._on_dispatch(event)
            if done:
                await conn.execute("UPDATE events SET dispatched_at = now() WHERE id = ANY($1::bigint[])", done)
        for name, step in after_commit:
            try:
                await step()
            except Exception:
                logger.exception("after-commit step of subscriber %s failed", name)
        return len(rows)

    async def _record_failure(self, conn: asyncpg.Connection, row: asyncpg.Record, finished: list[str], error: str) -> None:
        attempts = row["dispatch_attempts"] + 1
        if attempts >= MAX_DISPATCH_ATTEMPTS:
            logger.error("event %s set aside after %d failed dispatches", row["event_id"], attempts)
            await conn.execute(
                """UPDATE events SET dispatch_attempts = $2, dispatch_error = $3, done_subscribers = $4,
                                     dispatched_at = now()
                   WHERE id = $1""",
                row["id"], attempts, error[:2000], finished,
            )
            return
        await conn.execute(
            """UPDATE events SET dispatch_attempts = $2, dispatch_error = $3, done_subscribers = $4,
                                 next_dispatch_at = now() + make_interval(secs => $5)
               WHERE id = $1""",
            row["id"], attempts, error[:2000], finished, backoff_delay(attempts, base=1.0, cap=300.0),
        )

    async def _listen(self) -> None:
        await listen_forever(self._url, NOTIFY_CHANNEL, self._wake)
