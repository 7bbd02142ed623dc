"""Turns an engine's decoding position into the fraction callers see."""

from __future__ import annotations

from media.transcription.engine import ProgressCallback


class ProgressReporter:
    """Reports a clamped, never-decreasing 0..1 fraction to an optional callback.

    Engines report positions that can overshoot the audio length or repeat (a decoder retrying
    a window); callers drawing a progress bar want neither. An exception raised by the callback
    propagates, which lets a caller abort a transcription.
    """

    def __init__(self, on_progress: ProgressCallback | None) -> None:
        self._on_progress = on_progress
        self._reported = 0.0

    @property
    def wanted(self) -> bool:
        """Whether anyone listens; engines can skip the work of tracking progress otherwise."""
        return self._on_progress is not None

    def report(self, fraction: float) -> None:
        """Pass on `fraction` if it moves the bar forward."""
        fraction = min(max(fraction, 0.0), 1.0)
        if self._on_progress is None or fraction <= self._reported:
            return
        self._reported = fraction
        self._on_progress(fraction)

    def finish(self) -> None:
        """Say the audio is fully decoded (segments rarely end exactly at the last sample)."""
        self.report(1.0)
