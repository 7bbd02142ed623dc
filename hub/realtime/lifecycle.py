"""The chat and presence services for the app's lifetime (a `cleanup_ctx`).

Opens the presence store and the rate-limit storage (in-process, or Redis with REDIS_URL),
builds the services, runs the presence sweep, and on shutdown stops it and the Socket.IO
Redis manager's tasks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from ..keys import CHAT, DB, PRESENCE, REDIS, SETTINGS, SIO
from ..presence_store import MemoryPresenceStore, PresenceStore, RedisPresenceStore
from ..services import chat_masking
from ..services.chat import ChatService
from ..services.chat_limits import DEFAULT_SEND_LIMITS, ChatLimiter, limits_storage, parse_send_limits
from ..services.presence import PresenceService
from .redis_manager import ResilientRedisManager

logger = logging.getLogger(__name__)


async def chat_and_presence(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    sio = app[SIO]
    redis = app[REDIS]
    store: PresenceStore = RedisPresenceStore(redis) if redis is not None else MemoryPresenceStore()
    send_limits = parse_send_limits(settings.extra.get("HUB_CHAT_SEND_LIMITS") or DEFAULT_SEND_LIMITS)
    limiter = ChatLimiter(limits_storage(settings.redis_url), send_limits)
    presence = PresenceService(store, app[DB], sio.emit, interval=settings.heartbeat_interval)
    app[PRESENCE] = presence
    app[CHAT] = ChatService(app[DB], sio.emit, limiter)
    if isinstance(sio.manager, ResilientRedisManager) and not sio.manager_initialized:
        # Subscribe to the fan-out channel now rather than at the first connection, so a
        # process is listening before its health check says it is up.
        sio.manager_initialized = True
        sio.manager.initialize()
    chat_masking.warm_up()  # so the first message does not wait seconds for the masker
    sweeper = asyncio.create_task(presence.run())
    yield
    sweeper.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await sweeper
    await limiter.close()
    if isinstance(sio.manager, ResilientRedisManager):
        await sio.manager.close()
