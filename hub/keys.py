"""Typed application state: every `web.AppKey` of the hub in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import asyncpg
from aiohttp import web

from .settings import Settings

if TYPE_CHECKING:
    import socketio
    from aiohttp import ClientSession
    from redis.asyncio import Redis

    from .events import EventDispatcher
    from .metrics import Metrics
    from media.storage import LocalStorage

    from .audit import AuditLog
    from .ratelimit import RateLimiter
    from .services.auth import AuthService
    from .services.chat import ChatService
    from .services.presence import PresenceService
    from .services.video import VideoService

SETTINGS = web.AppKey("settings", Settings)
DB = web.AppKey("db", asyncpg.Pool)
REDIS = web.AppKey("redis", "Redis | None")
SIO = web.AppKey("sio", "socketio.AsyncServer")
AUTH = web.AppKey("auth", "AuthService")
METRICS = web.AppKey("metrics", "Metrics")
EVENTS = web.AppKey("events", "EventDispatcher")
STORAGE = web.AppKey("media_storage", "LocalStorage")
RATE_LIMITER = web.AppKey("rate_limiter", "RateLimiter")
AUDIT_LOG = web.AppKey("audit_log", "AuditLog")
WEBHOOK_HTTP = web.AppKey("webhook_http", "ClientSession")  # webhook deliveries, SSRF-guarded
CHAT = web.AppKey("chat", "ChatService")
PRESENCE = web.AppKey("presence", "PresenceService")
VIDEO = web.AppKey("video", "VideoService")  # rooms, join tokens, the mesh or LiveKit provider

# Per-request state.
REQUEST_ID = web.RequestKey("request_id", str)
