"""Typed application state: every `web.AppKey` of the hub in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import asyncpg
from aiohttp import web

from .settings import Settings

if TYPE_CHECKING:
    import socketio
    from redis.asyncio import Redis

    from .events import EventDispatcher
    from .metrics import Metrics
    from media.storage import LocalStorage

    from .services.auth import AuthService

SETTINGS = web.AppKey("settings", Settings)
DB = web.AppKey("db", asyncpg.Pool)
REDIS = web.AppKey("redis", "Redis | None")
SIO = web.AppKey("sio", "socketio.AsyncServer")
AUTH = web.AppKey("auth", "AuthService")
METRICS = web.AppKey("metrics", "Metrics")
EVENTS = web.AppKey("events", "EventDispatcher")
STORAGE = web.AppKey("media_storage", "LocalStorage")

# Per-request state.
REQUEST_ID = web.RequestKey("request_id", str)
