"""Uploads are judged by content: PyAV must open them and decode audio."""

from __future__ import annotations

import wave
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from media.probe import UnusableMedia, probe_media


def write_audio(path: Path, fmt: str, codec: str, seconds: float = 1.0, rate: int = 16000) -> Path:
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=rate, layout="mono")
        samples = (0.2 * np.sin(np.arange(int(rate * seconds)) / 10) * 32767).astype(np.int16)
        frame_size = stream.codec_context.frame_size or 1024
        for i in range(0, len(samples), frame_size):
            chunk = samples[i : i + frame_size]
            frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="s16", layout="mono")
            frame.sample_rate, frame.pts, frame.time_base = rate, i, Fraction(1, rate)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def write_video_only(path: Path) -> Path:
    with av.open(str(path), "w", format="matroska") as container:
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(10):
            frame = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, 10)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def test_wav_is_named_and_measured(tmp_path: Path) -> None:
    info = probe_media(write_audio(tmp_path / "a.wav", "wav", "pcm_s16le", seconds=2.0))
    assert info.format == "wav" and info.duration_seconds == pytest.approx(2.0, abs=0.01) and not info.has_video


def test_ogg_opus_is_accepted(tmp_path: Path) -> None:
    info = probe_media(write_audio(tmp_path / "a.ogg", "ogg", "libopus", rate=48000))
    assert info.format == "ogg" and info.duration_seconds == pytest.approx(1.0, abs=0.1)


def test_mp4_family_is_called_mp4(tmp_path: Path) -> None:
    info = probe_media(write_audio(tmp_path / "clip.bin", "mp4", "aac", rate=48000))
    assert info.format == "mp4"


@pytest.mark.parametrize(("content", "reason"), [
    (b"", "empty"),
    (b"\x00\x01garbage" * 300, "not a readable"),
])
def test_unusable_bytes_are_refused(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "upload.wav"
    path.write_bytes(content)
    with pytest.raises(UnusableMedia, match=reason):
        probe_media(path)


def test_header_without_samples_is_refused(tmp_path: Path) -> None:
    header_only = tmp_path / "header.wav"
    with wave.open(str(header_only), "wb") as out:  # a valid RIFF header announcing 0 frames
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
    with pytest.raises(UnusableMedia, match="no audio could be decoded"):
        probe_media(header_only)


def test_video_without_audio_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnusableMedia, match="no audio stream"):
        probe_media(write_video_only(tmp_path / "silent.mkv"))
