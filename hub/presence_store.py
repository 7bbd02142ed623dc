"""Where presence lives: per-connection entries with expiry, aggregated per user.

Every connection (a socket, or a REST client's heartbeats) is one entry with a status and an
expiry. A user is online if any live entry is online, away if all live entries are away, and
offline when none is left, so several devices aggregate and a crashed process's entries simply
expire. The store also remembers the status last announced for each user (`swap_announced`),
which is how updates are pushed only on a change, even with several hub processes.

Two backends implement only what differs: `MemoryPresenceStore` (one process, the default)
and `RedisPresenceStore` (REDIS_URL; keys with expiry, shared by every hub process).
"""

from __future__ import annotations

import functools
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ParamSpec, TypeVar
from uuid import UUID

from redis.asyncio import Redis
from redis.exceptions import RedisError

ONLINE = "online"
AWAY = "away"
OFFLINE = "offline"
LAST_ACTIVE_TTL = 30 * 24 * 3600  # seconds a user's lastActiveAt is remembered


class PresenceUnavailable(Exception):
    """The store cannot be reached (Redis down or restarting)."""


@dataclass(frozen=True)
class Entry:
    """One live connection of a user."""

    user_id: UUID
    conn_id: str
    status: str  # online | away


@dataclass(frozen=True)
class PresenceState:
    user_id: UUID
    status: str  # online | away | offline
    last_active_at: datetime | None


def aggregate(statuses: Iterable[str]) -> str:
    """Online wins over away; no live connection at all is offline."""
    seen = set(statuses)
    if ONLINE in seen:
        return ONLINE
    if AWAY in seen:
        return AWAY
    return OFFLINE


class PresenceStore(ABC):
    """The operations presence needs; backends implement the storage primitives."""

    async def states(self, user_ids: Iterable[UUID]) -> dict[UUID, PresenceState]:
        ids = list(dict.fromkeys(user_ids))
        if not ids:
            return {}
        live = await self.live_statuses(ids)
        active = await self.last_active(ids)
        return {uid: PresenceState(uid, aggregate(live.get(uid, ())), active.get(uid)) for uid in ids}

    @abstractmethod
    async def put(self, entries: Iterable[Entry], ttl: float) -> None:
        """Create or refresh entries; each expires `ttl` seconds from now unless put again."""

    @abstractmethod
    async def remove(self, user_id: UUID, conn_id: str) -> None:
        """Drop one entry at once (a socket closed cleanly)."""

    @abstractmethod
    async def live_statuses(self, user_ids: list[UUID]) -> dict[UUID, list[str]]:
        """The statuses of each user's unexpired entries."""

    @abstractmethod
    async def touch_active(self, user_id: UUID, at: datetime) -> None:
        """Record that the user was active at `at`."""

    @abstractmethod
    async def last_active(self, user_ids: list[UUID]) -> dict[UUID, datetime]:
        """When each user was last active (absent: never seen)."""

    @abstractmethod
    async def swap_announced(self, statuses: dict[UUID, str]) -> dict[UUID, str]:
        """Record each user's announced status; return the previous ones (atomic per user)."""

    @abstractmethod
    async def announced_present(self) -> set[UUID]:
        """Users whose announced status is not offline (they may have expired since)."""

    async def close(self) -> None:
        """Release connections; the default has none."""


class MemoryPresenceStore(PresenceStore):
    """One process: dictionaries, with expiry checked against a monotonic clock."""

    def __init__(self) -> None:
        self._entries: dict[UUID, dict[str, tuple[str, float]]] = {}
        self._active: dict[UUID, datetime] = {}
        self._announced: dict[UUID, str] = {}

    async def put(self, entries: Iterable[Entry], ttl: float) -> None:
        expires = time.monotonic() + ttl
        for e in entries:
            self._entries.setdefault(e.user_id, {})[e.conn_id] = (e.status, expires)

    async def remove(self, user_id: UUID, conn_id: str) -> None:
        conns = self._entries.get(user_id)
        if conns is not None:
            conns.pop(conn_id, None)
            if not conns:
                del self._entries[user_id]

    async def live_statuses(self, user_ids: list[UUID]) -> dict[UUID, list[str]]:
        now = time.monotonic()
        found: dict[UUID, list[str]] = {}
        for uid in user_ids:
            conns = self._entries.get(uid)
            if not conns:
                continue
            for conn_id, (_, expires) in list(conns.items()):
                if expires <= now:
                    del conns[conn_id]
            if conns:
                found[uid] = [status for status, _ in conns.values()]
            else:
                del self._entries[uid]
        return found

    async def touch_active(self, user_id: UUID, at: datetime) -> None:
        self._active[user_id] = at

    async def last_active(self, user_ids: list[UUID]) -> dict[UUID, datetime]:
        return {uid: self._active[uid] for uid in user_ids if uid in self._active}

    async def swap_announced(self, statuses: dict[UUID, str]) -> dict[UUID, str]:
        previous: dict[UUID, str] = {}
        for uid, status in statuses.items():
            previous[uid] = self._announced.get(uid, OFFLINE)
            if status == OFFLINE:
                self._announced.pop(uid, None)
            else:
                self._announced[uid] = status
        return previous

    async def announced_present(self) -> set[UUID]:
        return set(self._announced)


P = ParamSpec("P")
T = TypeVar("T")


def _mapped(method: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """Redis errors leave the store as PresenceUnavailable."""

    @functools.wraps(method)
    async def call(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return await method(*args, **kwargs)
        except (RedisError, OSError) as exc:
            raise PresenceUnavailable(f"presence store unreachable: {exc}") from exc

    return call


class RedisPresenceStore(PresenceStore):
    """Shared by hub processes. Keys (under `prefix`):

    `c:{conn}` the entry's status, expiring with the entry; `u:{user}` the set of the user's
    connection ids (refreshed with them, pruned of expired ones on read); `a:{user}` last
    active time (epoch ms); `p:{user}` announced status; `present` users announced as present.
    """

    def __init__(self, redis: Redis, prefix: str = "hub:presence:") -> None:
        self._redis = redis
        self._prefix = prefix
        self._present = f"{prefix}present"

    def _key(self, kind: str, ident: object) -> str:
        return f"{self._prefix}{kind}:{ident}"

    @_mapped
    async def put(self, entries: Iterable[Entry], ttl: float) -> None:
        ttl_ms = max(1, int(ttl * 1000))
        pipe = self._redis.pipeline(transaction=False)
        count = 0
        for e in entries:
            pipe.set(self._key("c", e.conn_id), e.status, px=ttl_ms)
            users = self._key("u", e.user_id)
            pipe.sadd(users, e.conn_id)
            pipe.pexpire(users, ttl_ms)
            count += 1
        if count:
            await pipe.execute()

    @_mapped
    async def remove(self, user_id: UUID, conn_id: str) -> None:
        pipe = self._redis.pipeline(transaction=False)
        pipe.delete(self._key("c", conn_id))
        pipe.srem(self._key("u", user_id), conn_id)
        await pipe.execute()

    @_mapped
    async def live_statuses(self, user_ids: list[UUID]) -> dict[UUID, list[str]]:
        pipe = self._redis.pipeline(transaction=False)
        for uid in user_ids:
            pipe.smembers(self._key("u", uid))
        members = await pipe.execute()
        pairs = [(uid, _text(conn)) for uid, conns in zip(user_ids, members, strict=True) for conn in conns]
        if not pairs:
            return {}
        statuses = await self._redis.mget([self._key("c", conn) for _, conn in pairs])
        found: dict[UUID, list[str]] = {}
        expired = self._redis.pipeline(transaction=False)
        stale = False
        for (uid, conn), status in zip(pairs, statuses, strict=True):
            if status is None:
                expired.srem(self._key("u", uid), conn)
                stale = True
            else:
                found.setdefault(uid, []).append(_text(status))
        if stale:
            await expired.execute()
        return found

    @_mapped
    async def touch_active(self, user_id: UUID, at: datetime) -> None:
        await self._redis.set(self._key("a", user_id), int(at.timestamp() * 1000), ex=LAST_ACTIVE_TTL)

    @_mapped
    async def last_active(self, user_ids: list[UUID]) -> dict[UUID, datetime]:
        values = await self._redis.mget([self._key("a", uid) for uid in user_ids])
        return {
            uid: datetime.fromtimestamp(int(v) / 1000, UTC) for uid, v in zip(user_ids, values, strict=True) if v is not None
        }

    @_mapped
    async def swap_announced(self, statuses: dict[UUID, str]) -> dict[UUID, str]:
        if not statuses:
            return {}
        # SET ... GET swaps atomically, so of two processes announcing the same change only
        # one sees the old value and pushes the update.
        pipe = self._redis.pipeline(transaction=False)
        for uid, status in statuses.items():
            pipe.set(self._key("p", uid), status, get=True, ex=LAST_ACTIVE_TTL)
            if status == OFFLINE:
                pipe.srem(self._present, str(uid))
            else:
                pipe.sadd(self._present, str(uid))
        replies = await pipe.execute()
        olds = replies[0::2]
        return {uid: OFFLINE if old is None else _text(old) for uid, old in zip(statuses, olds, strict=True)}

    @_mapped
    async def announced_present(self) -> set[UUID]:
        return {UUID(_text(m)) for m in await self._redis.smembers(self._present)}


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
