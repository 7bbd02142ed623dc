"""Finding the spoken stretches of one participant's track."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from media.speech_regions import (
    COMPACT_PAUSE_SECONDS,
    compact_speech,
    speech_regions,
    write_wav,
)

RATE = 16_000


def tone(seconds: float, level: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (level * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def silence(seconds: float, noise: float = 0.0) -> np.ndarray:
    rng = np.random.default_rng(0)
    return (noise * rng.standard_normal(int(seconds * RATE))).astype(np.float32)


def test_two_turns_separated_by_a_long_silence_are_two_stretches() -> None:
    samples = np.concatenate([silence(2.0), tone(1.5), silence(5.0), tone(2.0), silence(1.0)])
    regions = speech_regions(samples, RATE)
    assert len(regions) == 2
    (a_start, a_end), (b_start, b_end) = regions
    assert abs(a_start - 1.75) < 0.1 and abs(a_end - 3.75) < 0.1  # 2.0-3.5 s padded by 0.25 s
    assert abs(b_start - 8.25) < 0.1 and abs(b_end - 10.75) < 0.1


def test_a_short_pause_stays_inside_one_stretch() -> None:
    samples = np.concatenate([tone(1.0), silence(0.4), tone(1.0)])
    assert len(speech_regions(samples, RATE)) == 1


def test_background_noise_and_clicks_are_not_speech() -> None:
    click = tone(0.05, level=0.5)
    samples = np.concatenate([silence(3.0, noise=0.001), click, silence(3.0, noise=0.001)])
    assert speech_regions(samples, RATE) == []
    assert speech_regions(silence(2.0), RATE) == []


def test_quiet_speaker_over_a_quiet_room_is_found() -> None:
    samples = np.concatenate([silence(1.0, noise=0.002), tone(1.0, level=0.05), silence(1.0, noise=0.002)])
    [(start, end)] = speech_regions(samples, RATE)
    assert 0.6 < start < 1.0 and 2.0 < end < 2.4


def test_compact_speech_drops_long_silences_and_maps_times_back() -> None:
    samples = np.concatenate([silence(2.0), tone(1.0), silence(6.0), tone(1.0)])
    speech = compact_speech(samples, RATE)
    first, second = speech_regions(samples, RATE)
    expected = (first[1] - first[0]) + COMPACT_PAUSE_SECONDS + (second[1] - second[0])
    assert len(speech.samples) / RATE == pytest.approx(expected, abs=0.01)
    assert speech.to_track_time(0.0, starting=True) == pytest.approx(first[0])
    second_in_clip = speech.clip_starts[1]
    assert speech.to_track_time(second_in_clip + 0.5, starting=True) == pytest.approx(second[0] + 0.5)
    in_pause = second_in_clip - COMPACT_PAUSE_SECONDS / 2
    assert speech.to_track_time(in_pause, starting=True) == pytest.approx(second[0])  # starts with the next
    assert speech.to_track_time(in_pause, starting=False) == pytest.approx(first[1])  # ends with the last


def test_a_silent_track_compacts_to_nothing() -> None:
    assert compact_speech(silence(3.0), RATE).empty


def test_write_wav_keeps_the_samples(tmp_path: Path) -> None:
    samples = tone(1.0)
    path = write_wav(samples, RATE, tmp_path / "clip.wav")
    with wave.open(str(path), "rb") as clip:
        assert (clip.getframerate(), clip.getnchannels(), clip.getnframes()) == (RATE, 1, RATE)
        data = np.frombuffer(clip.readframes(RATE), "<i2") / 32767
    assert np.allclose(data, samples, atol=1e-3)
