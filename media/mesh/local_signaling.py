"""Signaling between peers in one process, for tests and benchmarks: relays like the hub, in order."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from media.mesh.signaling import SIGNAL_TYPES, SignalingError

logger = logging.getLogger(__name__)

SignalHandler = Callable[[str, str, dict[str, Any]], Awaitable[None]]


class LocalSignalingRouter:
    """Delivers `send(to, ...)` to the target's handler asynchronously, one message at a time per
    target, as the hub's `signal` event would; failures of a handler are kept in `errors`."""

    def __init__(self) -> None:
        self._handlers: dict[str, SignalHandler] = {}
        self._inboxes: dict[str, asyncio.Queue[tuple[str, str, dict[str, Any]]]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self.errors: list[tuple[str, str, Exception]] = []  # (recipient, signal type, error)
        self.delivered = 0
        self._pending = 0
        self._all_handled = asyncio.Event()
        self._all_handled.set()

    def channel(self, sender: str) -> LocalChannel:
        """The channel through which `sender` talks to the others."""
        return LocalChannel(self, sender)

    def attach(self, identity: str, handler: SignalHandler) -> None:
        """Route messages addressed to `identity` to `handler` (usually a peer's handle_signal)."""
        if identity in self._handlers:
            raise ValueError(f"{identity} is already attached")
        self._handlers[identity] = handler
        inbox: asyncio.Queue[tuple[str, str, dict[str, Any]]] = asyncio.Queue()
        self._inboxes[identity] = inbox
        self._workers[identity] = asyncio.get_running_loop().create_task(self._deliver(identity, handler, inbox))

    async def detach(self, identity: str) -> None:
        """Stop delivering to `identity`; messages still queued for it are dropped."""
        self._handlers.pop(identity, None)
        inbox = self._inboxes.pop(identity, None)
        while inbox is not None and not inbox.empty():
            inbox.get_nowait()
            self._message_done()
        worker = self._workers.pop(identity, None)
        if worker is not None:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker

    async def idle(self) -> None:
        """Wait until every message sent so far, and every reply it caused, has been handled."""
        await self._all_handled.wait()

    async def close(self) -> None:
        for identity in list(self._workers):
            await self.detach(identity)

    async def _send(self, sender: str, to: str, type: str, payload: dict[str, Any]) -> None:
        if type not in SIGNAL_TYPES:
            raise SignalingError(f"unknown signal type {type!r}")
        inbox = self._inboxes.get(to)
        if inbox is None:
            raise SignalingError(f"{to} is not in the room")
        inbox.put_nowait((sender, type, payload))
        self._pending += 1
        self._all_handled.clear()

    def _message_done(self) -> None:
        self._pending -= 1
        if not self._pending:
            self._all_handled.set()

    async def _deliver(
        self, identity: str, handler: SignalHandler, inbox: asyncio.Queue[tuple[str, str, dict[str, Any]]]
    ) -> None:
        while True:
            sender, type, payload = await inbox.get()
            try:
                await handler(sender, type, payload)
                self.delivered += 1
            except Exception as exc:  # a bad message must not stop delivery to this peer
                logger.exception("signal %s from %s to %s failed", type, sender, identity)
                self.errors.append((identity, type, exc))
            finally:
                self._message_done()


class LocalChannel:
    """A SignalingChannel bound to one sender."""

    def __init__(self, router: LocalSignalingRouter, sender: str) -> None:
        self._router = router
        self.sender = sender

    async def send(self, to: str, type: str, payload: dict[str, Any]) -> None:
        await self._router._send(self.sender, to, type, payload)
