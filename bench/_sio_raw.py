"""A minimal Socket.IO v5 / Engine.IO v4 client over aiohttp websockets, for load generation.

python-socketio's client spends far more CPU and memory per message and per connection than
the hub does, so on a shared machine the benchmarks would measure their clients. This one
speaks just what the benchmarks need: open, connect to "/" with auth, answer pings, emit with
an ack, and receive events. Frames: "0{...}" open, "40{auth}" connect, "2"/"3" ping/pong,
"42<id>[event, data]" an event (with an ack id when one is wanted), "43<id>[data]" the ack.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from typing import Any

import aiohttp

Handler = Callable[[Any], None]


class ConnectRefused(Exception):
    """The hub answered the connect with an error packet."""


class RawSocket:
    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        self._session = session
        self._url = base_url.replace("http://", "ws://").rstrip("/") + "/socket.io/?EIO=4&transport=websocket"
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._ids = itertools.count(1)
        self._acks: dict[int, asyncio.Future[Any]] = {}
        self._handlers: dict[str, Handler] = {}
        self._reader: asyncio.Task[None] | None = None

    def on(self, event: str, handler: Handler) -> None:
        self._handlers[event] = handler

    async def connect(self, token: str, timeout: float = 30) -> None:
        self._ws = await self._session.ws_connect(self._url, autoping=True, max_msg_size=0)
        opened = await self._ws.receive_str(timeout=timeout)
        if not opened.startswith("0"):
            raise ConnectRefused(opened[:200])
        await self._ws.send_str("40" + json.dumps({"token": token}))
        answer = await self._ws.receive_str(timeout=timeout)
        if not answer.startswith("40"):
            raise ConnectRefused(answer[:200])
        self._reader = asyncio.create_task(self._read())

    async def call(self, event: str, data: Any, timeout: float = 10) -> Any:
        assert self._ws is not None
        ack_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._acks[ack_id] = future
        try:
            await self._ws.send_str(f"42{ack_id}" + json.dumps([event, data]))
            return await asyncio.wait_for(future, timeout)
        finally:
            self._acks.pop(ack_id, None)

    async def _read(self) -> None:
        assert self._ws is not None
        async for message in self._ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                continue
            frame: str = message.data
            if frame == "2":
                await self._ws.send_str("3")
            elif frame.startswith("42"):
                event, *args = json.loads(frame[2 + _digits(frame, 2) :])
                handler = self._handlers.get(event)
                if handler is not None:
                    handler(args[0] if args else None)
            elif frame.startswith("43"):
                n = _digits(frame, 2)
                future = self._acks.get(int(frame[2 : 2 + n]))
                if future is not None and not future.done():
                    payload = json.loads(frame[2 + n :])
                    future.set_result(payload[0] if payload else None)

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)


def _digits(frame: str, start: int) -> int:
    """How many digits (an ack id) follow `start`."""
    end = start
    while end < len(frame) and frame[end].isdigit():
        end += 1
    return end - start
