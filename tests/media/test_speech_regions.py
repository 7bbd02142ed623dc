"""Finding the spoken stretches of one participant's track."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from media.speech_regions import speech_regions, write_region

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


def test_write_region_keeps_the_samples_of_that_stretch(tmp_path: Path) -> None:
    samples = np.concatenate([silence(1.0), tone(1.0)])
    path = write_region(samples, RATE, 1.0, 2.0, tmp_path / "clip.wav")
    with wave.open(str(path), "rb") as clip:
        assert (clip.getframerate(), clip.getnchannels(), clip.getnframes()) == (RATE, 1, RATE)
        data = np.frombuffer(clip.readframes(RATE), "<i2") / 32767
    assert np.allclose(data, samples[RATE:], atol=1e-3)
