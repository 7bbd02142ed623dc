"""The interface the job workers program against, whatever engine runs underneath."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from media.transcription.transcript import Transcript

ProgressCallback = Callable[[float], None]
"""Receives the fraction (0..1) of the audio decoded so far; non-decreasing, ends at 1.0."""


class TranscriptionEngine(Protocol):
    """A loaded speech-to-text model; `transcribe` is synchronous, run it in an executor."""

    name: str

    def transcribe(
        self, audio_path: Path, on_progress: ProgressCallback | None = None
    ) -> Transcript:
        """Transcribe one audio file; raise TranscriptionError when it holds no usable audio."""
        ...
