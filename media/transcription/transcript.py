"""What every transcription engine returns: timed segments of text."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Segment:
    """One stretch of recognised speech; times in seconds from the start of the audio."""

    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Transcript:
    """A whole recording: its language code, length in seconds and segments in order."""

    language: str
    duration: float
    segments: tuple[Segment, ...]

    @property
    def text(self) -> str:
        """The segments' texts joined with single spaces, as a reader would want them."""
        return " ".join(part for part in (s.text.strip() for s in self.segments) if part)
