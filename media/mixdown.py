"""One listenable file for a mesh recording: every participant's track summed on the room timeline.

The recorder keeps one file per participant (for per-speaker transcripts); people downloading
"the recording" want all voices in one file. Tracks are decoded with PyAV, resampled to 48 kHz
stereo, placed at their start offsets and summed in one-second chunks, so memory stays flat
whatever the length. Synchronous: call it from an executor.
"""

from __future__ import annotations

import wave
from collections.abc import Iterator, Sequence
from pathlib import Path

import av
import numpy as np

SAMPLE_RATE = 48_000  # Hz, what Opus decodes to and the recorder writes
CHANNELS = 2
CHUNK_FRAMES = SAMPLE_RATE  # one second of audio per mixing step
_INT16 = np.iinfo(np.int16)


class _TrackReader:
    """Reads a track as 48 kHz stereo int16, preceded by `offset` seconds of silence."""

    def __init__(self, path: Path, offset_seconds: float) -> None:
        self._silence_left = max(0, round(offset_seconds * SAMPLE_RATE))
        self._frames = self._decode(path)
        self._pending = np.zeros((0, CHANNELS), np.int16)
        self.done = False

    @staticmethod
    def _decode(path: Path) -> Iterator[np.ndarray]:
        resampler = av.AudioResampler(format="s16", layout="stereo", rate=SAMPLE_RATE)
        with av.open(str(path)) as container:
            if not container.streams.audio:
                return
            for frame in container.decode(container.streams.audio[0]):
                for out in resampler.resample(frame):
                    yield out.to_ndarray().reshape(-1, CHANNELS)
            for out in resampler.resample(None):
                yield out.to_ndarray().reshape(-1, CHANNELS)

    def read(self, count: int) -> np.ndarray:
        """Up to `count` frames; fewer only at the end of the track."""
        parts: list[np.ndarray] = []
        wanted = count
        if self._silence_left:
            take = min(self._silence_left, wanted)
            parts.append(np.zeros((take, CHANNELS), np.int16))
            self._silence_left -= take
            wanted -= take
        while wanted and not self.done:
            if not len(self._pending):
                try:
                    self._pending = next(self._frames)
                except StopIteration:
                    self.done = True
                    break
            take = min(len(self._pending), wanted)
            parts.append(self._pending[:take])
            self._pending = self._pending[take:]
            wanted -= take
        return np.concatenate(parts) if parts else np.zeros((0, CHANNELS), np.int16)


def mix_tracks(tracks: Sequence[tuple[Path, float]], output: Path) -> float:
    """Sum `(path, offset_seconds)` tracks into a 16-bit 48 kHz stereo WAV; returns its length in seconds."""
    if not tracks:
        raise ValueError("mix_tracks needs at least one track")
    readers = [_TrackReader(Path(path), offset) for path, offset in tracks]
    written = 0
    with wave.open(str(output), "wb") as out:
        out.setnchannels(CHANNELS)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        while True:
            chunks = [reader.read(CHUNK_FRAMES) for reader in readers]
            length = max(len(chunk) for chunk in chunks)
            if length == 0:
                break
            mixed = np.zeros((length, CHANNELS), np.int32)
            for chunk in chunks:
                mixed[: len(chunk)] += chunk
            out.writeframes(np.clip(mixed, _INT16.min, _INT16.max).astype("<i2").tobytes())
            written += length
    return written / SAMPLE_RATE
