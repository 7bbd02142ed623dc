"""Checks an uploaded file by its content: FFmpeg (PyAV) must open it and decode audio from it.

The name and the declared content type of an upload prove nothing; this does. Synchronous and
file-bound: call it from an executor.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av

MAX_PACKETS_TO_FIRST_FRAME = 500  # packets read looking for one decodable audio frame


class UnusableMedia(ValueError):
    """The file is empty, unreadable, or holds no decodable audio; the message says which."""


@dataclass(frozen=True)
class MediaInfo:
    format: str  # short container name: wav, mp4, ogg, webm, mp3, ...
    duration_seconds: float | None
    has_video: bool


# FFmpeg names some demuxers after a family ("mov,mp4,m4a,3gp,3g2,mj2"); keep the one a user knows.
_FAMILY_NAMES = {"mov,mp4,m4a,3gp,3g2,mj2": "mp4", "matroska,webm": "webm"}


def _format_name(container: av.container.InputContainer, path: Path) -> str:
    name = container.format.name
    if name in _FAMILY_NAMES:
        suffix = path.suffix.lower().lstrip(".")
        return suffix if suffix and suffix in name.split(",") else _FAMILY_NAMES[name]
    return name.split(",")[0]


def probe_media(path: Path) -> MediaInfo:
    """Open `path`, require an audio stream and one decodable audio frame; report format and length."""
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        raise UnusableMedia("the file is empty")
    try:
        with av.open(str(path), mode="r", metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise UnusableMedia("the file has no audio stream")
            stream = container.streams.audio[0]
            if not _decodes_a_frame(container, stream):
                raise UnusableMedia("no audio could be decoded from the file")
            return MediaInfo(
                format=_format_name(container, path),
                duration_seconds=_duration(container, stream),
                has_video=bool(container.streams.video),
            )
    except av.FFmpegError as exc:
        raise UnusableMedia(f"the file is not a readable audio or video file ({exc.strerror or 'unknown format'})") from None


def _decodes_a_frame(container: av.container.InputContainer, stream: av.AudioStream) -> bool:
    for count, packet in enumerate(container.demux(stream)):
        if count >= MAX_PACKETS_TO_FIRST_FRAME:
            return False
        for frame in packet.decode():
            if frame.samples:
                return True
    return False


def _duration(container: av.container.InputContainer, stream: av.AudioStream) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return None
