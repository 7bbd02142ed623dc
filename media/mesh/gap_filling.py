"""Keep a recorded audio file on the wall-clock timeline by writing silence where packets were missing.

WAV stores samples back to back and ignores timestamps, so a stretch without packets (loss, DTX,
a muted sender that stops sending) would otherwise shorten the file and shift every later word
against the other participants' files. Video needs no filling: Matroska keeps each frame's time.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from fractions import Fraction

from aiortc.mediastreams import MediaStreamTrack
from av import AudioFrame
from av.frame import Frame
from av.packet import Packet

# Gaps shorter than this are timestamp rounding, not missing audio (seconds).
MIN_FILLED_GAP = Fraction(5, 1000)
# How far the file may run ahead of the wall clock since its first frame (seconds); bounds a
# timestamp jump (a sender restarting its RTP clock) that is not a real pause.
MAX_LEAD_OVER_WALL_CLOCK = Fraction(1, 4)
# Largest silence frame handed out at once (seconds), so a long gap never sits in memory whole.
SILENCE_CHUNK = Fraction(1, 2)
assert MIN_FILLED_GAP < MAX_LEAD_OVER_WALL_CLOCK


class GapFillingTrack(MediaStreamTrack):
    """Relays a remote track; for audio, inserts silence for gaps and renumbers pts from zero."""

    def __init__(self, source: MediaStreamTrack) -> None:
        super().__init__()
        self.kind = source.kind
        self._source = source
        self.first_frame_at: datetime | None = None  # UTC wall time of the first frame received
        self.frames_received = 0
        self.silence_inserted = Fraction(0)  # seconds
        self._first_frame_clock: float | None = None  # time.monotonic() at the first frame
        self._written = Fraction(0)  # seconds of audio handed out so far
        self._source_end: Fraction | None = None  # source time where the next frame should start
        self._silence_due = 0  # samples of silence still to hand out before `_held`
        self._held: AudioFrame | None = None

    async def recv(self) -> Frame | Packet:
        if self._held is not None:
            if self._silence_due:
                return self._silence_chunk(self._held)
            held, self._held = self._held, None
            return self._stamp(held)
        frame = await self._source.recv()
        self._note_arrival()
        if not isinstance(frame, AudioFrame):
            return frame
        gap_samples = self._gap_samples(frame)
        if gap_samples:
            self._silence_due, self._held = gap_samples, frame
            return self._silence_chunk(frame)
        return self._stamp(frame)

    def stop(self) -> None:
        super().stop()
        self._source.stop()

    def _note_arrival(self) -> None:
        self.frames_received += 1
        if self._first_frame_clock is None:
            self._first_frame_clock = time.monotonic()
            self.first_frame_at = datetime.now(UTC)

    def _gap_samples(self, frame: AudioFrame) -> int:
        """Samples of silence owed before `frame`: the timestamp gap, capped by elapsed wall time."""
        if frame.pts is None or frame.time_base is None:
            return 0
        start = frame.pts * frame.time_base
        expected, self._source_end = self._source_end, start + Fraction(frame.samples, frame.sample_rate)
        if expected is None or start - expected < MIN_FILLED_GAP:
            return 0
        assert self._first_frame_clock is not None
        wall_elapsed = Fraction(time.monotonic() - self._first_frame_clock)
        allowed = wall_elapsed + MAX_LEAD_OVER_WALL_CLOCK - self._written
        gap = min(start - expected, max(allowed, Fraction(0)))
        return int(gap * frame.sample_rate) if gap >= MIN_FILLED_GAP else 0

    def _silence_chunk(self, like: AudioFrame) -> AudioFrame:
        samples = min(self._silence_due, int(SILENCE_CHUNK * like.sample_rate))
        self._silence_due -= samples
        silence = AudioFrame(format=like.format.name, layout=like.layout.name, samples=samples)
        for plane in silence.planes:
            plane.update(bytes(plane.buffer_size))
        silence.sample_rate = like.sample_rate
        self.silence_inserted += Fraction(samples, like.sample_rate)
        return self._stamp(silence)

    def _stamp(self, frame: AudioFrame) -> AudioFrame:
        """Renumber pts as time written so far: monotonic from zero whatever the RTP clock did."""
        frame.time_base = Fraction(1, frame.sample_rate)
        frame.pts = int(self._written * frame.sample_rate)
        self._written += Fraction(frame.samples, frame.sample_rate)
        return frame
