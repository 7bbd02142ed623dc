"""Synthetic speech for tests and benchmarks: espeak-ng turns scripts into WAV files.

Real speech recordings cannot ship with the repository; espeak-ng voices are clear enough for
Whisper models to transcribe, and different voices stand in for different speakers.
"""

from __future__ import annotations

import shutil
import subprocess
import wave
from collections.abc import Iterable, Sequence
from pathlib import Path

ESPEAK = "espeak-ng"
VOICES = ("en-us", "en-gb+m3", "en-us+f3")  # distinct enough to pass for different speakers


def espeak_available() -> bool:
    """Whether the espeak-ng program is installed (the Debian package `espeak-ng`)."""
    return shutil.which(ESPEAK) is not None


def synthesize(text: str, path: Path, voice: str = "en-us", speed: int = 150) -> Path:
    """Speak `text` into a WAV file at `path` (mono, 16-bit); `speed` is in words per minute."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [ESPEAK, "-v", voice, "-s", str(speed), "-w", str(path), text],
        check=True,
        capture_output=True,
    )
    return path


def concat(parts: Iterable[Path], path: Path, gap_s: float = 0.4) -> Path:
    """Join WAV files of one format end to end with `gap_s` seconds of silence between them."""
    parts = list(parts)
    if not parts:
        raise ValueError("concat needs at least one WAV file")
    with wave.open(str(parts[0]), "rb") as first:
        params = first.getparams()
    gap = b"\x00" * (int(params.framerate * gap_s) * params.sampwidth * params.nchannels)
    with wave.open(str(path), "wb") as out:
        out.setparams(params)
        for index, part in enumerate(parts):
            with wave.open(str(part), "rb") as source:
                if source.getparams()[:3] != params[:3]:
                    raise ValueError(f"{part} has a different WAV format from {parts[0]}")
                if index:
                    out.writeframes(gap)
                out.writeframes(source.readframes(source.getnframes()))
    return Path(path)


def conversation(turns: Sequence[tuple[str, str]], path: Path, gap_s: float = 0.6) -> Path:
    """Render (voice, text) turns as one WAV file, speakers taking turns after a short pause."""
    path = Path(path)
    parts = [
        synthesize(text, path.with_name(f"{path.stem}.turn{i}.wav"), voice=voice)
        for i, (voice, text) in enumerate(turns)
    ]
    return concat(parts, path, gap_s=gap_s)


def wav_duration(path: Path) -> float:
    """Length of a WAV file in seconds."""
    with wave.open(str(path), "rb") as source:
        return source.getnframes() / source.getframerate()


class SpeechFactory:
    """Makes numbered speech files in one directory; the `speech` fixture hands one out."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._count = 0

    def _next_path(self) -> Path:
        self._count += 1
        return self.directory / f"speech{self._count}.wav"

    def __call__(self, text: str, voice: str = "en-us", speed: int = 150) -> Path:
        """One voice saying `text`."""
        return synthesize(text, self._next_path(), voice=voice, speed=speed)

    def conversation(self, turns: Sequence[tuple[str, str]], gap_s: float = 0.6) -> Path:
        """Several (voice, text) turns in one file."""
        return conversation(turns, self._next_path(), gap_s=gap_s)

    def concat(self, parts: Iterable[Path], gap_s: float = 0.4) -> Path:
        """Files made by this factory joined into one, e.g. to make a long recording."""
        return concat(parts, self._next_path(), gap_s=gap_s)
