"""Decoding recordings into the 16 kHz mono samples Whisper models take, with clear errors."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
from faster_whisper import decode_audio

from media.transcription.errors import TranscriptionError

SAMPLE_RATE = 16_000  # Hz; what every Whisper model is trained on


def load_audio(audio_path: Path) -> np.ndarray:
    """Decode any container/codec FFmpeg (PyAV) reads into float32 mono samples at SAMPLE_RATE.

    Raises TranscriptionError naming the reason when the file is missing, empty, has no audio
    stream, cannot be decoded, or decodes to no samples at all.
    """
    audio_path = Path(audio_path)
    if not audio_path.is_file():
        raise TranscriptionError(f"audio file not found: {audio_path.name}")
    if audio_path.stat().st_size == 0:
        raise TranscriptionError(f"audio file is empty (0 bytes): {audio_path.name}")
    try:
        with av.open(str(audio_path), mode="r", metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise TranscriptionError(f"file has no audio stream: {audio_path.name}")
        samples = decode_audio(str(audio_path), sampling_rate=SAMPLE_RATE)
    except av.FFmpegError as exc:
        reason = exc.strerror or type(exc).__name__
        raise TranscriptionError(f"cannot decode audio in {audio_path.name}: {reason}") from exc
    if samples.size == 0:
        raise TranscriptionError(f"audio has zero duration: {audio_path.name}")
    return samples.astype(np.float32, copy=False)


def duration_of(samples: np.ndarray) -> float:
    """Length in seconds of samples returned by load_audio."""
    return samples.shape[0] / SAMPLE_RATE
