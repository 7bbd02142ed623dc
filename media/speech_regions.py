"""Where a participant speaks in their own track, and that speech without the long silences.

A per-participant track of an interview is mostly silence (the others talking). Whisper models
place the first segment after a long silence badly (often at 0 s) and sometimes invent words in
silence. So the spoken stretches are found, joined with short pauses into one compact clip that
is transcribed in one go, and the segment times are mapped back to the track: every segment lands
at its true time and the silence is never decoded. Energy-based: the participant's own
microphone is the only source in their track, so loudness separates speech from silence.
"""

from __future__ import annotations

import bisect
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FRAME_SECONDS = 0.03  # analysis window
ABSOLUTE_FLOOR = 0.003  # RMS (of full scale) under which a frame is silence whatever the track
RELATIVE_THRESHOLD = 0.1  # a frame is speech above this share of the track's loud level
LOUD_PERCENTILE = 99  # the track's loud level: this percentile of frame RMS
MERGE_GAP_SECONDS = 0.8  # pauses shorter than this stay inside one stretch (breaths, commas)
PAD_SECONDS = 0.25  # kept around each stretch so word onsets and endings are not cut
MIN_SPEECH_SECONDS = 0.15  # shorter bursts are clicks, not words
COMPACT_PAUSE_SECONDS = 1.0  # silence left between two stretches in the compact clip
assert MIN_SPEECH_SECONDS < MERGE_GAP_SECONDS


def speech_regions(samples: np.ndarray, rate: int) -> list[tuple[float, float]]:
    """Spoken stretches of mono float samples in [-1, 1], as (start, end) seconds, in order."""
    frame = max(1, int(rate * FRAME_SECONDS))
    count = len(samples) // frame
    if count == 0:
        return []
    frames = samples[: count * frame].astype(np.float64).reshape(count, frame)
    rms = np.sqrt((frames**2).mean(axis=1))
    threshold = max(ABSOLUTE_FLOOR, RELATIVE_THRESHOLD * float(np.percentile(rms, LOUD_PERCENTILE)))
    loud = np.flatnonzero(rms > threshold)
    if loud.size == 0:
        return []
    regions: list[list[float]] = []
    gap_frames = MERGE_GAP_SECONDS / FRAME_SECONDS
    start = previous = int(loud[0])
    for index in loud[1:]:
        if index - previous > gap_frames:
            regions.append([start * FRAME_SECONDS, (previous + 1) * FRAME_SECONDS])
            start = int(index)
        previous = int(index)
    regions.append([start * FRAME_SECONDS, (previous + 1) * FRAME_SECONDS])
    length = len(samples) / rate
    return [
        (max(0.0, begin - PAD_SECONDS), min(length, end + PAD_SECONDS))
        for begin, end in regions
        if end - begin >= MIN_SPEECH_SECONDS
    ]


@dataclass(frozen=True)
class CompactSpeech:
    """A track's speech with the long silences taken out, and the way back to track time."""

    samples: np.ndarray
    rate: int
    clip_starts: list[float]  # where each stretch starts in the compact clip (s)
    track_starts: list[float]  # where it starts in the track (s)
    lengths: list[float]

    @property
    def empty(self) -> bool:
        return not self.lengths

    def to_track_time(self, t: float, *, starting: bool) -> float:
        """A time in the compact clip as a time in the track.

        A time inside a pause between two stretches belongs to no one: a segment that starts
        there starts with the next stretch, one that ends there ends with the previous one.
        """
        index = max(0, bisect.bisect_right(self.clip_starts, t) - 1)
        offset = t - self.clip_starts[index]
        if offset > self.lengths[index] and starting and index + 1 < len(self.lengths):
            return self.track_starts[index + 1]
        return self.track_starts[index] + min(max(offset, 0.0), self.lengths[index])


def compact_speech(samples: np.ndarray, rate: int) -> CompactSpeech:
    """The spoken stretches of a track, back to back with COMPACT_PAUSE_SECONDS between them."""
    regions = speech_regions(samples, rate)
    pause = np.zeros(int(COMPACT_PAUSE_SECONDS * rate), samples.dtype)
    pieces: list[np.ndarray] = []
    clip_starts, track_starts, lengths = [], [], []
    position = 0.0
    for start, end in regions:
        piece = samples[int(start * rate) : int(end * rate)]
        if pieces:
            pieces.append(pause)
            position += len(pause) / rate
        clip_starts.append(position)
        track_starts.append(start)
        lengths.append(len(piece) / rate)
        pieces.append(piece)
        position += len(piece) / rate
    joined = np.concatenate(pieces) if pieces else samples[:0]
    return CompactSpeech(joined, rate, clip_starts, track_starts, lengths)


def write_wav(samples: np.ndarray, rate: int, path: Path) -> Path:
    """Float samples as a 16-bit mono WAV (what the engines read back)."""
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())
    return path
