"""Presence rules: who is online, away or offline, who may see it, and when to tell them.

Timings, all relative to the heartbeat interval (HUB_HEARTBEAT_INTERVAL, 25 s by default):
- each connection's entry lives ENTRY_TTL intervals after it was last written;
- this process rewrites its own sockets' entries, and looks for users whose entries all
  expired, every SWEEP_EVERY intervals;
so a crashed process's users are offline within ENTRY_TTL + SWEEP_EVERY = 2 intervals. A
socket that closes makes its user offline at once (if it was the last one); a client that
vanishes without closing is dropped by the Socket.IO ping (see hub/realtime/server.py).
`presence:update` goes to a user's subscribers only when the aggregated status changes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg

from ..auth.principal import Principal
from ..errors import NotFound, ServiceUnavailable
from ..models import ApiModel
from ..presence_store import (
    ONLINE,
    Entry,
    PresenceState,
    PresenceStore,
    PresenceUnavailable,
)
from ..storage import chat as chat_store

logger = logging.getLogger(__name__)

ENTRY_TTL = 1.5  # intervals an entry outlives its last refresh
SWEEP_EVERY = 0.5  # intervals between refresh-and-expire sweeps
assert SWEEP_EVERY < ENTRY_TTL, "entries must be refreshed before they expire"
assert ENTRY_TTL + SWEEP_EVERY <= 2, "a crashed process's users must be offline within two intervals"
MAX_USERS_PER_QUERY = 200  # ids per bulk lookup or subscribe
SWEEP_BATCH = 500  # users announced per store round trip

Emit = Callable[..., Awaitable[Any]]  # socketio.AsyncServer.emit


class PresenceOut(ApiModel):
    user_id: UUID
    status: str
    last_active_at: datetime | None

    @classmethod
    def of(cls, state: PresenceState) -> PresenceOut:
        return cls(user_id=state.user_id, status=state.status, last_active_at=state.last_active_at)


def presence_room(user_id: UUID) -> str:
    return f"presence:{user_id}"


def rest_connection(user_id: UUID) -> str:
    """REST clients have no socket: their heartbeats keep one entry per user alive."""
    return f"rest:{user_id}"


class PresenceService:
    def __init__(self, store: PresenceStore, pool: asyncpg.Pool, emit: Emit, *, interval: float) -> None:
        self._store = store
        self._pool = pool
        self._emit = emit
        self.interval = interval
        self._local: dict[str, Entry] = {}  # this process's sockets, by sid

    @property
    def entry_ttl(self) -> float:
        return self.interval * ENTRY_TTL

    # -- connections and heartbeats --------------------------------------------------------

    async def connected(self, user_id: UUID, sid: str) -> None:
        entry = Entry(user_id, sid, ONLINE)
        self._local[sid] = entry
        await self._store.put([entry], self.entry_ttl)
        await self._store.touch_active(user_id, _now())
        await self._announce([user_id])

    async def disconnected(self, user_id: UUID, sid: str) -> None:
        self._local.pop(sid, None)
        await self._store.remove(user_id, sid)
        await self._announce([user_id])

    async def heartbeat(self, user_id: UUID, conn_id: str, status: str | None) -> PresenceOut:
        """A client says it is still there, and whether its person is active or away."""
        entry = Entry(user_id, conn_id, status or ONLINE)
        if conn_id in self._local:
            self._local[conn_id] = entry
        try:
            await self._store.put([entry], self.entry_ttl)
            if entry.status == ONLINE:
                await self._store.touch_active(user_id, _now())
            states = await self._announce([user_id])
        except PresenceUnavailable as exc:
            raise ServiceUnavailable("Presence is unavailable, try again shortly") from exc
        return PresenceOut.of(states[user_id])

    # -- reading ---------------------------------------------------------------------------

    async def visible(self, principal: Principal, user_ids: Iterable[UUID]) -> list[UUID]:
        """The ids among `user_ids` the caller may see, in the order given."""
        ids = list(dict.fromkeys(user_ids))
        async with self._pool.acquire() as conn:
            if principal.agency_id is not None:
                allowed = await chat_store.visible_to_agency(conn, principal.agency_id, ids)
                if principal.user_id in ids:
                    allowed.add(principal.user_id)
            elif principal.user_id is not None:
                allowed = await chat_store.visible_to_participant(conn, principal.user_id, ids)
            else:
                allowed = set()
        return [uid for uid in ids if uid in allowed]

    async def states(self, user_ids: Iterable[UUID]) -> list[PresenceOut]:
        ids = list(user_ids)
        try:
            found = await self._store.states(ids)
        except PresenceUnavailable as exc:
            raise ServiceUnavailable("Presence is unavailable, try again shortly") from exc
        return [PresenceOut.of(found[uid]) for uid in ids]

    async def get_one(self, principal: Principal, user_id: UUID) -> PresenceOut:
        if not await self.visible(principal, [user_id]):
            raise NotFound("User not found")
        return (await self.states([user_id]))[0]

    async def get_many(self, principal: Principal, user_ids: list[UUID]) -> list[PresenceOut]:
        """Presence of those the caller may see; the others are left out, never revealed."""
        return await self.states(await self.visible(principal, user_ids))

    async def subscribe(self, sio: Any, sid: str, principal: Principal, user_ids: list[UUID]) -> list[PresenceOut]:
        """Join the presence rooms of the visible ones; updates follow on every change."""
        allowed = await self.visible(principal, user_ids)
        for uid in allowed:
            await sio.enter_room(sid, presence_room(uid))
        return await self.states(allowed)

    async def follow(self, sio: Any, sid: str, user_ids: Iterable[UUID]) -> None:
        """Subscribe a socket to people already known to be visible (a thread's participants)."""
        for uid in user_ids:
            await sio.enter_room(sid, presence_room(uid))

    # -- announcing changes ----------------------------------------------------------------

    async def _announce(self, user_ids: Iterable[UUID]) -> dict[UUID, PresenceState]:
        states = await self._store.states(user_ids)
        previous = await self._store.swap_announced({uid: s.status for uid, s in states.items()})
        for uid, state in states.items():
            if previous.get(uid) != state.status:
                await self._emit("presence:update", PresenceOut.of(state).model_dump(mode="json", by_alias=True),
                                 room=presence_room(uid))
        return states

    async def sweep(self) -> None:
        """Refresh this process's entries, then announce whoever changed (expired ones too)."""
        local = list(self._local.values())
        await self._store.put(local, self.entry_ttl)
        users = list({e.user_id for e in local} | await self._store.announced_present())
        for start in range(0, len(users), SWEEP_BATCH):
            await self._announce(users[start : start + SWEEP_BATCH])

    async def run(self) -> None:
        """The sweep loop; it outlives store outages (entries are rewritten once it is back)."""
        while True:
            await asyncio.sleep(self.interval * SWEEP_EVERY)
            try:
                await self.sweep()
            except asyncio.CancelledError:
                raise
            except PresenceUnavailable as exc:
                logger.warning("presence sweep skipped: %s", exc)
            except Exception:
                logger.exception("presence sweep failed; retrying next round")


def _now() -> datetime:
    return datetime.now(UTC)
