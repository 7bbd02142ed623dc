"""The mixdown of a mesh recording: every participant's track on one timeline."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from media.mixdown import SAMPLE_RATE, mix_tracks


def write_wav(path: Path, samples: np.ndarray, rate: int = SAMPLE_RATE, channels: int = 2) -> Path:
    pcm = np.repeat(samples[:, None], channels, axis=1) if channels == 2 else samples
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((pcm * 32767).astype("<i2").tobytes())
    return path


def read_wav(path: Path) -> tuple[np.ndarray, int, int]:
    with wave.open(str(path), "rb") as source:
        data = np.frombuffer(source.readframes(source.getnframes()), "<i2")
        return data.reshape(-1, source.getnchannels()) / 32767, source.getframerate(), source.getnchannels()


def test_tracks_are_placed_at_their_offsets_and_summed(tmp_path: Path) -> None:
    a = write_wav(tmp_path / "a.wav", np.full(SAMPLE_RATE, 0.25))  # 1 s from 0 s
    b = write_wav(tmp_path / "b.wav", np.full(SAMPLE_RATE, 0.5))  # 1 s from 0.5 s
    duration = mix_tracks([(a, 0.0), (b, 0.5)], tmp_path / "room.wav")
    mixed, rate, channels = read_wav(tmp_path / "room.wav")
    assert (rate, channels) == (SAMPLE_RATE, 2) and duration == pytest.approx(1.5)
    half = SAMPLE_RATE // 2
    assert mixed[:half].mean() == pytest.approx(0.25, abs=1e-3)  # a alone
    assert mixed[half:SAMPLE_RATE].mean() == pytest.approx(0.75, abs=1e-3)  # both
    assert mixed[SAMPLE_RATE:].mean() == pytest.approx(0.5, abs=1e-3)  # b alone


def test_loud_overlap_is_clipped_not_wrapped(tmp_path: Path) -> None:
    a = write_wav(tmp_path / "a.wav", np.full(1000, 0.8))
    b = write_wav(tmp_path / "b.wav", np.full(1000, 0.8))
    mix_tracks([(a, 0.0), (b, 0.0)], tmp_path / "room.wav")
    mixed, _, _ = read_wav(tmp_path / "room.wav")
    assert mixed.min() > 0.99


def test_other_rates_and_mono_are_resampled(tmp_path: Path) -> None:
    narrow = write_wav(tmp_path / "g711.wav", np.full(8000, 0.3), rate=8000, channels=1)  # 1 s at 8 kHz
    duration = mix_tracks([(narrow, 0.0)], tmp_path / "room.wav")
    mixed, rate, channels = read_wav(tmp_path / "room.wav")
    assert (rate, channels) == (SAMPLE_RATE, 2) and duration == pytest.approx(1.0, abs=0.01)
    assert np.median(mixed) == pytest.approx(0.3 / np.sqrt(2), abs=0.01)  # FFmpeg's -3 dB mono upmix


def test_no_tracks_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        mix_tracks([], tmp_path / "room.wav")
