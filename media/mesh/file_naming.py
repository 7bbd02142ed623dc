"""Where each recorded track goes: `<participant>-<kind>.<ext>`, numbered when a name is taken."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

# Audio as 16-bit PCM WAV: lossless after Opus decoding, and aiortc's MediaRecorder writes it
# (a .flac path would make it pick AAC, which FLAC containers cannot hold).
AUDIO_SUFFIX: Final = ".wav"
# Video re-encoded to H.264 (libx264, what MediaRecorder picks for Matroska); Matroska keeps
# per-frame timestamps, so a stalled stream leaves a gap instead of shifting later frames.
VIDEO_SUFFIX: Final = ".mkv"
_SUFFIXES: Final = {"audio": AUDIO_SUFFIX, "video": VIDEO_SUFFIX}
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def safe_file_stem(participant: str) -> str:
    """A participant identity made safe as a file name: no separators, no leading dots."""
    stem = _UNSAFE.sub("_", participant).lstrip(".")
    return stem[:100] or "participant"


class TrackFileNames:
    """Hands out one fresh path per recorded track in a room's output directory."""

    def __init__(self, output_dir: Path) -> None:
        self._output_dir = output_dir
        self._claimed: set[Path] = set()

    def claim(self, participant: str, kind: str) -> Path:
        """`alice-audio.wav`, then `alice-audio-2.wav` for her next audio track (rejoin, second mic)."""
        suffix = _SUFFIXES.get(kind)
        if suffix is None:
            raise ValueError(f"no file format for track kind {kind!r}")
        base = f"{safe_file_stem(participant)}-{kind}"
        number = 1
        while True:
            name = base if number == 1 else f"{base}-{number}"
            path = self._output_dir / f"{name}{suffix}"
            if path not in self._claimed and not path.exists():
                self._claimed.add(path)
                return path
            number += 1
