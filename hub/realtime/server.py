"""The Socket.IO server: one AsyncServer attached to the aiohttp app.

Connections must present `auth: {token}`; the token resolves to a Principal kept in the
Socket.IO session. Feature namespaces (chat, presence, signaling) register their handlers
through `register_handlers`.
"""

from __future__ import annotations

import logging
from typing import Any

import socketio

from ..auth.principal import Principal
from ..errors import HubError
from .redis_manager import ResilientRedisManager

logger = logging.getLogger(__name__)

PRINCIPAL_KEY = "principal"


PING_TIMEOUT = 0.4  # heartbeat intervals a client may take to answer a ping
# A silent client is dropped within ping interval + 2 ping timeouts (the checker's cadence).
assert 1 + 2 * PING_TIMEOUT <= 2, "a vanished client must be offline within two heartbeat intervals"


def create_sio(
    redis_url: str | None, *, cors_origins: tuple[str, ...] = (), heartbeat_interval: float = 25.0
) -> socketio.AsyncServer:
    """In-process fan-out by default; with REDIS_URL every hub process shares rooms and emits.

    The Engine.IO ping runs at the presence heartbeat interval, so a client that vanishes
    without closing its socket is disconnected (and turns offline) within two intervals.
    """
    manager = ResilientRedisManager(redis_url, probe_interval=min(5.0, heartbeat_interval)) if redis_url else None
    return socketio.AsyncServer(
        async_mode="aiohttp",
        client_manager=manager,
        cors_allowed_origins=list(cors_origins) if cors_origins else [],
        logger=False,
        engineio_logger=False,
        ping_interval=heartbeat_interval,
        ping_timeout=heartbeat_interval * PING_TIMEOUT,
        max_http_buffer_size=64 * 1024,  # bytes; chat messages are capped far below this
    )


def ack_ok(data: Any = None) -> dict[str, Any]:
    return {"ok": True, "data": {} if data is None else data}


def ack_error(exc: HubError) -> dict[str, Any]:
    return {"ok": False, "error": {"code": exc.code, "message": exc.message}}


async def principal_for(sio: socketio.AsyncServer, sid: str) -> Principal:
    session = await sio.get_session(sid)
    return session[PRINCIPAL_KEY]


TokenResolver = Any  # async (app, token) -> Principal | None


def install_connection_handlers(app: Any, sio: socketio.AsyncServer, resolvers: list[TokenResolver], modules: list[Any]) -> None:
    """Authenticate on connect (refuse without a valid token), run feature hooks."""
    from .router import SocketContext  # local: router imports this module

    @sio.event
    async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        if not isinstance(token, str) or not token:
            raise socketio.exceptions.ConnectionRefusedError("authentication required: auth.token")
        principal = None
        for resolve in resolvers:
            try:
                principal = await resolve(app, token)
            except HubError:
                principal = None
            if principal is not None:
                break
        if principal is None:
            raise socketio.exceptions.ConnectionRefusedError("invalid or expired token")
        await sio.save_session(sid, {PRINCIPAL_KEY: principal})
        ctx = SocketContext(app, sio, sid, principal)
        for events in modules:
            for hook in events.on_connect:
                await hook(ctx)

    @sio.event
    async def disconnect(sid: str, *args: Any) -> None:
        try:
            session = await sio.get_session(sid)
        except KeyError:
            return
        principal = session.get(PRINCIPAL_KEY)
        if principal is None:
            return
        ctx = SocketContext(app, sio, sid, principal)
        for events in modules:
            for hook in events.on_disconnect:
                try:
                    await hook(ctx)
                except Exception:
                    logger.exception("disconnect hook failed")
