"""Per-user chat limits on the `limits` library: a burst of sends, then a steady rate.

Two windows per user (by default 10 messages in any 5 seconds, 60 in any minute) give the
burst and the steady rate. They are sliding-window counters, a weighted moving window with no
burst at window edges; unlike the exact moving window, its in-process storage does not sweep
per-key event lists through a thread pool, which cost a fifth of the hub's CPU under load.
Storage is in-process by default and Redis with REDIS_URL, so every hub process counts the
same sends. When the storage cannot be reached the limiter lets messages through: chat stays
up while Redis restarts.
"""

from __future__ import annotations

import logging
import math
import time
from uuid import UUID

from limits import RateLimitItem, RateLimitItemPerSecond, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter

from ..errors import RateLimited
from ..settings import SettingsError

logger = logging.getLogger(__name__)

# A burst of 10 messages, then one a second on average (60 a minute).
DEFAULT_SEND_LIMITS = "10/5 seconds;60/minute"
TYPING_LIMIT = RateLimitItemPerSecond(1)  # typing broadcasts per user, thread and state
MAX_MESSAGE_CHARS = 4000  # characters of one message
STORAGE_WARNING_EVERY = 10.0  # seconds between warnings while the storage is down


def parse_send_limits(spec: str) -> list[RateLimitItem]:
    """`10/5 seconds;60/minute` -> limit items; a malformed spec is refused at start-up."""
    try:
        items = parse_many(spec)
    except ValueError as exc:
        raise SettingsError(f"HUB_CHAT_SEND_LIMITS must look like '10/5 seconds;60/minute': {exc}") from None
    if not items:
        raise SettingsError("HUB_CHAT_SEND_LIMITS names no limit")
    return list(items)


def limits_storage(redis_url: str | None) -> Storage:
    if redis_url is None:
        return MemoryStorage()
    scheme, _, rest = redis_url.partition("://")
    uri = "async+redis+unix://" + rest if scheme == "unix" else f"async+{scheme}://{rest}"
    return RedisStorage(uri, implementation="redispy", key_prefix="hub:limits", socket_connect_timeout=1, socket_timeout=1)


class ChatLimiter:
    """Answers "may this user send now?" and "should this typing event be broadcast?"."""

    def __init__(self, storage: Storage, send_limits: list[RateLimitItem]) -> None:
        self._storage = storage
        self._limiter = SlidingWindowCounterRateLimiter(storage)
        self._send_limits = send_limits
        self._warned_at = -STORAGE_WARNING_EVERY

    async def check_send(self, user_id: UUID) -> None:
        """Count one send; raise RateLimited (with the wait in seconds) past any limit."""
        key = str(user_id)
        try:
            for item in self._send_limits:
                if not await self._limiter.hit(item, "chat-send", key):
                    stats = await self._limiter.get_window_stats(item, "chat-send", key)
                    wait = max(1, math.ceil(stats.reset_time - time.time()))
                    raise RateLimited(f"Too many messages: wait {wait} s before sending again", retry_after=wait)
        except RateLimited:
            raise
        except Exception as exc:  # the storage's client raises its own error types
            self._storage_down(exc, "letting messages through")

    async def allow_typing(self, user_id: UUID, thread_id: UUID, is_typing: bool) -> bool:
        try:
            return await self._limiter.hit(TYPING_LIMIT, "chat-typing", str(user_id), str(thread_id), str(is_typing))
        except Exception as exc:
            self._storage_down(exc, "dropping typing events")
            return False

    def _storage_down(self, exc: Exception, consequence: str) -> None:
        """One warning per STORAGE_WARNING_EVERY seconds, not one per message."""
        now = time.monotonic()
        if now - self._warned_at >= STORAGE_WARNING_EVERY:
            self._warned_at = now
            logger.warning("rate limit storage unavailable (%s); %s", exc, consequence)

    async def close(self) -> None:
        """Close the Redis storage's pool, or stop the memory storage's expiry task."""
        timer = getattr(self._storage, "timer", None)
        if timer is not None and not timer.done():
            timer.cancel()
        client = getattr(getattr(self._storage, "bridge", None), "storage", None)
        if client is not None and hasattr(client, "aclose"):
            await client.aclose()
