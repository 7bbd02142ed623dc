"""Send one local track (a player's audio or video) over many peer connections at once.

aiortc's MediaRelay does this too, but its reading task cannot be cancelled from outside and
hangs on a stopped player; this one is owned by the peer and closed with it.
"""

from __future__ import annotations

import asyncio
import contextlib

from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av.frame import Frame
from av.packet import Packet

# Frames each consumer may fall behind before the oldest is dropped (about 1 s of 20 ms audio).
BUFFER_FRAMES = 50


class TrackFanOut:
    """Reads a source track once (starting on the first consumer's read) and copies frames to each consumer."""

    def __init__(self, source: MediaStreamTrack, *, buffer_frames: int = BUFFER_FRAMES) -> None:
        if buffer_frames < 1:
            raise ValueError("buffer_frames must be at least 1")
        self.kind = source.kind
        self._source = source
        self._buffer_frames = buffer_frames
        self._consumers: set[_FanOutTrack] = set()
        self._pump: asyncio.Task[None] | None = None
        self._closed = False

    def subscribe(self) -> MediaStreamTrack:
        """A new track for one connection; stop() it when that connection goes away."""
        if self._closed:
            raise RuntimeError("the fan-out is closed")
        consumer = _FanOutTrack(self, self._buffer_frames)
        self._consumers.add(consumer)
        return consumer

    async def aclose(self) -> None:
        """Stop reading, end every consumer and stop the source (which stops a MediaPlayer's thread)."""
        self._closed = True
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump
        for consumer in list(self._consumers):
            consumer.stop()
        self._source.stop()

    def _start(self) -> None:
        if self._pump is None and not self._closed:
            self._pump = asyncio.get_running_loop().create_task(self._run())

    def _unsubscribe(self, consumer: _FanOutTrack) -> None:
        self._consumers.discard(consumer)

    async def _run(self) -> None:
        while True:
            try:
                frame: Frame | Packet | None = await self._source.recv()
            except MediaStreamError:
                frame = None  # the source ended: tell every consumer
            for consumer in list(self._consumers):
                consumer._offer(frame)
            if frame is None:
                return


class _FanOutTrack(MediaStreamTrack):
    """One consumer's view of the source, with its own bounded buffer."""

    def __init__(self, fan_out: TrackFanOut, buffer_frames: int) -> None:
        super().__init__()
        self.kind = fan_out.kind
        self._fan_out = fan_out
        self._queue: asyncio.Queue[Frame | Packet | None] = asyncio.Queue(maxsize=buffer_frames)

    async def recv(self) -> Frame | Packet:
        if self.readyState != "live":
            raise MediaStreamError
        self._fan_out._start()
        frame = await self._queue.get()
        if frame is None:
            self.stop()
            raise MediaStreamError
        return frame

    def stop(self) -> None:
        if self.readyState == "live":
            self._offer(None)  # wake a reader blocked in recv()
        super().stop()
        self._fan_out._unsubscribe(self)

    def _offer(self, frame: Frame | Packet | None) -> None:
        if self._queue.full():
            self._queue.get_nowait()  # a stalled consumer loses its oldest frame, not memory
        self._queue.put_nowait(frame)
