"""python-socketio's AsyncRedisManager, made to survive Redis restarts and silent drops.

The stock manager has three weak spots for a long-running hub: its listener backs off up to
60 s between reconnects (fan-out stays deaf that long after a Redis restart), a pub/sub
connection that dies without an error leaves it blocked forever, and a publish made while
Redis is away is dropped after one retry. This subclass, implementing only what differs:

- publishes through an ordered, bounded queue drained by one task that reconnects with a
  capped backoff, so emits never block a handler and a short outage loses nothing queued;
- listens through its own reconnect loop (capped backoff, old connections closed);
- runs a watchdog: it publishes a probe every `probe_interval` seconds and, when its own
  probes stop coming back, tears the subscription down so the loop builds a fresh one; it
  also restarts the listener task should it ever end.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import socketio
from redis.asyncio import Redis
from redis.asyncio.client import PubSub

logger = logging.getLogger(__name__)

RETRY_FIRST = 0.1  # seconds before the first reconnect attempt
RETRY_CAP = 2.0  # seconds, the longest wait between reconnect attempts
QUEUE_LIMIT = 10_000  # publishes held while Redis is away; the oldest are dropped beyond
BATCH = 200  # publishes sent per pipeline round trip
PROBE_PREFIX = b"hub-probe:"
PROBES_MISSED = 3  # probe intervals without our own probe before the subscription is rebuilt
assert RETRY_FIRST < RETRY_CAP


class ResilientRedisManager(socketio.AsyncRedisManager):
    name = "hub-redis"

    def __init__(self, url: str, *, channel: str = "recruit-hub", probe_interval: float = 5.0) -> None:
        super().__init__(url, channel=channel, redis_options={"socket_connect_timeout": 5})
        self.probe_interval = probe_interval
        self._queue: asyncio.Queue[Any] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._pubsub: PubSub | None = None
        self._subscribed_at = 0.0
        self._probe_seen = 0.0
        self.dropped = 0  # publishes lost to a full queue
        self.resubscribed = 0  # times the listener had to build a new subscription

    # -- lifecycle ---------------------------------------------------------------------------

    def initialize(self) -> None:
        super().initialize()  # starts the listener task (self.thread) unless write-only
        self._outbox()
        if not self.write_only:
            self._tasks.append(self.server.start_background_task(self._watch))

    async def close(self) -> None:
        """Stop every task this manager started and close its connections."""
        tasks = [*self._tasks, *([self.thread] if getattr(self, "thread", None) else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.redis is not None:
            with contextlib.suppress(Exception):
                await self.redis.aclose()

    def _client(self) -> Redis:
        return Redis.from_url(self.redis_url, **self.redis_options)

    # -- publishing --------------------------------------------------------------------------

    async def _publish(self, data: Any) -> None:
        queue = self._outbox()
        if queue.full():
            queue.get_nowait()
            self.dropped += 1
            if self.dropped % 1000 == 1:
                logger.warning("Socket.IO fan-out queue full while Redis is away; dropped %d so far", self.dropped)
        queue.put_nowait(self.json.dumps(data))

    def _outbox(self) -> asyncio.Queue[Any]:
        """The publish queue, and the one task draining it, made on first use."""
        if self._queue is None:
            self._queue = asyncio.Queue(QUEUE_LIMIT)
            self._tasks.append(self.server.start_background_task(self._drain))
        return self._queue

    async def _drain(self) -> None:
        queue = self._outbox()
        delay = RETRY_FIRST
        batch: list[Any] = []
        while True:
            if not batch:
                batch.append(await queue.get())
                while len(batch) < BATCH and not queue.empty():
                    batch.append(queue.get_nowait())
            try:
                if self.redis is None:
                    self.redis = self._client()
                pipe = self.redis.pipeline(transaction=False)
                for payload in batch:
                    pipe.publish(self.channel, payload)
                await pipe.execute()
                batch = []
                delay = RETRY_FIRST
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.warning("cannot publish to Redis (%s); retrying in %.1f s", exc, delay)
                old, self.redis = self.redis, None
                if old is not None:
                    with contextlib.suppress(Exception):
                        await old.aclose()
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_CAP)

    # -- listening ---------------------------------------------------------------------------

    async def _listen(self) -> AsyncIterator[bytes]:
        prefix = PROBE_PREFIX + self.host_id.encode()
        async for message in self._subscription():
            if message.get("type") != "message":
                continue
            data = message.get("data")
            if isinstance(data, bytes) and data.startswith(PROBE_PREFIX):
                if data.startswith(prefix):
                    self._probe_seen = time.monotonic()
                continue
            yield data

    async def _subscription(self) -> AsyncIterator[dict[str, Any]]:
        """Messages of the channel, across as many connections as it takes."""
        delay = RETRY_FIRST
        while True:
            client = self._client()
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                self._pubsub = pubsub
                self._subscribed_at = self._probe_seen = time.monotonic()
                if delay > RETRY_FIRST:
                    self.resubscribed += 1
                    logger.info("Socket.IO fan-out listener subscribed again")
                delay = RETRY_FIRST
                async for message in pubsub.listen():
                    yield message
                raise ConnectionError("pub/sub listen ended")  # treat a quiet end as a drop
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.warning("Socket.IO fan-out listener lost Redis (%s); reconnecting in %.1f s", exc, delay)
            finally:
                self._pubsub = None
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                with contextlib.suppress(Exception):
                    await client.aclose()
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_CAP)

    async def _watch(self) -> None:
        """Probe our own subscription; rebuild it when probes stop arriving."""
        probe = PROBE_PREFIX + self.host_id.encode()
        while True:
            await asyncio.sleep(self.probe_interval)
            try:
                self._outbox().put_nowait(probe)
                if self.thread.done():
                    logger.error("Socket.IO fan-out listener ended; starting it again")
                    self.thread = self.server.start_background_task(self._thread)
                    continue
                now = time.monotonic()
                stale = now - self._probe_seen > PROBES_MISSED * self.probe_interval
                settled = now - self._subscribed_at > PROBES_MISSED * self.probe_interval
                if self._pubsub is not None and stale and settled:
                    logger.warning("Socket.IO fan-out listener stopped hearing Redis; resubscribing")
                    with contextlib.suppress(Exception):
                        await self._pubsub.aclose()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("Socket.IO fan-out watchdog failed")
