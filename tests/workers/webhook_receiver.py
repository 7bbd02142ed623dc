"""A real webhook receiver for tests: an aiohttp app on 127.0.0.1 that checks every request
with `standardwebhooks.Webhook(secret).verify(body, headers)`.

Import as `from tests.workers.webhook_receiver import Receiver`. Its `respond` policy decides
each answer from the request's number (1-based): a status code, or HANG to never answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from standardwebhooks import Webhook, WebhookVerificationError

HANG = -1  # a `respond` result: keep the request open until the receiver stops


@dataclass
class Arrival:
    number: int  # 1-based order of arrival
    at: float  # time.time() when it arrived
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes
    payload: Any  # the verified JSON body; None when verification failed
    status: int  # what the receiver answered (HANG for none)


@dataclass
class Receiver:
    secrets: list[str] = field(default_factory=list)  # any of them may verify a request
    respond: Callable[[int], int] = lambda n: 200
    reply_body: bytes | None = None  # answer with these bytes instead of a short text
    arrivals: list[Arrival] = field(default_factory=list)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _runner: web.AppRunner | None = None
    _hold: asyncio.Event = field(default_factory=asyncio.Event)
    url: str = ""

    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self.url

    async def stop(self) -> None:
        self._hold.set()
        if self._runner is not None:
            await self._runner.cleanup()

    def verify(self, body: bytes, headers: dict[str, str], secret: str) -> Any:
        return Webhook(secret).verify(body, headers)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        headers = {name.lower(): value for name, value in request.headers.items()}
        payload = None
        for secret in self.secrets:
            with contextlib.suppress(WebhookVerificationError):
                payload = self.verify(body, headers, secret)
                break
        number = len(self.arrivals) + 1
        status = self.respond(number) if payload is not None else 401
        arrival = Arrival(number, time.time(), request.path, headers, body, payload, status)
        async with self._changed:
            self.arrivals.append(arrival)
            self._changed.notify_all()
        if status == HANG:
            await self._hold.wait()
            return web.Response(status=503)
        if 300 <= status < 400:
            raise web.HTTPFound(location="/redirected")
        if self.reply_body is not None:
            return web.Response(status=status, body=self.reply_body)
        return web.Response(status=status, text=f"answer {status} to request {number}")

    @property
    def verified(self) -> list[Arrival]:
        return [a for a in self.arrivals if a.payload is not None]

    def ids(self, *, accepted_only: bool = True) -> set[str]:
        """webhook-id values of verified requests (answered 2xx unless accepted_only=False)."""
        return {a.headers["webhook-id"] for a in self.verified if not accepted_only or 200 <= a.status < 300}

    async def wait_for(self, predicate: Callable[[Receiver], bool], timeout: float = 20.0) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: predicate(self)), timeout)
