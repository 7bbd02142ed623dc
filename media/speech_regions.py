"""Where a participant speaks in their own track, so each stretch is transcribed on its own.

A per-participant track of an interview is mostly silence (the others talking). Whisper models
place the first segment after a long silence badly (often at 0 s) and sometimes invent words in
silence; cutting the track into its spoken stretches first keeps every segment at its true time
on the room timeline and skips decoding the silence. Energy-based: the participant's own
microphone is the only source in their track, so loudness separates speech from silence.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

FRAME_SECONDS = 0.03  # analysis window
ABSOLUTE_FLOOR = 0.003  # RMS (of full scale) under which a frame is silence whatever the track
RELATIVE_THRESHOLD = 0.1  # a frame is speech above this share of the track's loud level
LOUD_PERCENTILE = 99  # the track's loud level: this percentile of frame RMS
MERGE_GAP_SECONDS = 0.8  # pauses shorter than this stay inside one stretch (breaths, commas)
PAD_SECONDS = 0.25  # kept around each stretch so word onsets and endings are not cut
MIN_SPEECH_SECONDS = 0.15  # shorter bursts are clicks, not words
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


def write_region(samples: np.ndarray, rate: int, start: float, end: float, path: Path) -> Path:
    """One stretch as a 16-bit mono WAV (what the engines read back)."""
    clip = samples[int(start * rate) : int(end * rate)]
    pcm = (np.clip(clip, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())
    return path
