"""Declares Socket.IO events the way hub/http.py declares routes: payload model in, ack out.

Every client event gets an ack `{"ok": true, "data": ...}` or `{"ok": false, "error": {code,
message}}`; a bad payload or a rule broken never closes the connection.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import socketio
from aiohttp import web
from pydantic import BaseModel, ValidationError

from ..auth.principal import Principal
from ..errors import HubError, ValidationFailed
from ..http import validation_details
from .server import PRINCIPAL_KEY, ack_error, ack_ok

logger = logging.getLogger(__name__)


@dataclass
class SocketContext:
    app: web.Application
    sio: socketio.AsyncServer
    sid: str
    principal: Principal


EventHandler = Callable[[SocketContext, Any], Awaitable[Any]]
ConnectionHook = Callable[[SocketContext], Awaitable[None]]


@dataclass
class SocketEvents:
    handlers: dict[str, tuple[type[BaseModel] | None, EventHandler]] = field(default_factory=dict)
    on_connect: list[ConnectionHook] = field(default_factory=list)
    on_disconnect: list[ConnectionHook] = field(default_factory=list)

    def event(self, name: str, payload: type[BaseModel] | None = None) -> Callable[[EventHandler], EventHandler]:
        def decorate(handler: EventHandler) -> EventHandler:
            if name in self.handlers:
                raise ValueError(f"socket event {name!r} declared twice")
            self.handlers[name] = (payload, handler)
            return handler

        return decorate

    def connected(self, hook: ConnectionHook) -> ConnectionHook:
        self.on_connect.append(hook)
        return hook

    def disconnected(self, hook: ConnectionHook) -> ConnectionHook:
        self.on_disconnect.append(hook)
        return hook


def bind(app: web.Application, sio: socketio.AsyncServer, modules: list[SocketEvents]) -> None:
    """Attach every declared event of every module to the default namespace."""
    seen: set[str] = set()
    for events in modules:
        for name, (model, handler) in events.handlers.items():
            if name in seen:
                raise ValueError(f"socket event {name!r} declared by two modules")
            seen.add(name)
            sio.on(name, _make_listener(app, sio, name, model, handler))


def _make_listener(
    app: web.Application, sio: socketio.AsyncServer, name: str, model: type[BaseModel] | None, handler: EventHandler
) -> Callable[..., Awaitable[dict[str, Any]]]:
    async def listener(sid: str, data: Any = None, *_: Any) -> dict[str, Any]:
        try:
            session = await sio.get_session(sid)
            ctx = SocketContext(app, sio, sid, session[PRINCIPAL_KEY])
            if model is not None:
                if not isinstance(data, dict):
                    raise ValidationFailed(f"{name} needs an object payload")
                try:
                    data = model.model_validate(data)
                except ValidationError as exc:
                    raise ValidationFailed(f"Invalid {name} payload", details=validation_details(exc)) from None
            return ack_ok(await handler(ctx, data))
        except HubError as exc:
            return ack_error(exc)
        except Exception:
            logger.exception("socket event %s failed", name)
            return {"ok": False, "error": {"code": "INTERNAL_ERROR", "message": "Internal error"}}

    listener.__name__ = f"on_{name.replace(':', '_')}"
    return listener
