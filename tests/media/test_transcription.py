"""The faster-whisper engine on real (synthetic) speech with the bundled tiny.en model."""

from __future__ import annotations

import re
import wave
from pathlib import Path

import jiwer
import pytest

from media.transcription import (
    Segment,
    Transcript,
    TranscriptionError,
    faster_whisper_engine,
    load_engine,
)

MAX_WORD_ERROR_RATE = 0.35
INTERVIEW_SCRIPT = (
    "The interview is scheduled for Monday morning. "
    "Please bring a copy of your resume and arrive early. "
    "The hiring manager will meet you at the front desk."
)


def normalise(text: str) -> str:
    """Lower case without punctuation, so WER counts words rather than commas."""
    return " ".join(re.sub(r"[^a-z' ]+", " ", text.lower()).split())


def word_error_rate(reference: str, hypothesis: str) -> float:
    return jiwer.wer(normalise(reference), normalise(hypothesis))


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as source:
        return source.getnframes() / source.getframerate()


@pytest.fixture(scope="module")
def engine():
    """One engine for the module, as a worker process holds one."""
    return load_engine(threads=2)


def test_transcribes_clear_speech_within_word_error_rate(engine, speech) -> None:
    transcript = engine.transcribe(speech(INTERVIEW_SCRIPT))

    assert transcript.language == "en"
    assert word_error_rate(INTERVIEW_SCRIPT, transcript.text) < MAX_WORD_ERROR_RATE


def test_transcribes_two_speakers_taking_turns(engine, speech) -> None:
    turns = [
        ("en-us", "Good morning. Thank you for joining the interview today."),
        ("en-gb+m3", "Thank you for having me. I am happy to be here."),
        ("en-us", "Can you tell me about your last project?"),
        ("en-gb+m3", "I built a payment service for a small online shop."),
    ]
    transcript = engine.transcribe(speech.conversation(turns))

    script = " ".join(text for _, text in turns)
    assert word_error_rate(script, transcript.text) < MAX_WORD_ERROR_RATE


def test_segments_are_ordered_and_within_the_audio(engine, speech) -> None:
    audio = speech(INTERVIEW_SCRIPT)
    transcript = engine.transcribe(audio)

    assert transcript.duration == pytest.approx(wav_seconds(audio), abs=0.01)
    assert len(transcript.segments) >= 2
    for segment in transcript.segments:
        assert 0.0 <= segment.start <= segment.end <= transcript.duration + 0.5
        assert segment.text == segment.text.strip() and segment.text
    starts = [segment.start for segment in transcript.segments]
    assert starts == sorted(starts)


def test_progress_rises_monotonically_to_one(engine, speech) -> None:
    reports: list[float] = []
    engine.transcribe(speech(INTERVIEW_SCRIPT), on_progress=reports.append)

    assert len(reports) >= 2, "progress should be reported as segments are decoded"
    assert reports == sorted(reports)
    assert all(0.0 < fraction <= 1.0 for fraction in reports)
    assert reports[-1] == 1.0


def test_model_is_loaded_once_for_many_transcriptions(monkeypatch, speech) -> None:
    loads: list[object] = []

    class CountingWhisperModel(faster_whisper_engine.WhisperModel):
        def __init__(self, *args, **kwargs) -> None:
            loads.append(self)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(faster_whisper_engine, "WhisperModel", CountingWhisperModel)
    engine = load_engine(threads=2)
    first = engine.transcribe(speech("Welcome to the first interview."))
    second = engine.transcribe(speech("This is the second recording of the day."))

    assert len(loads) == 1
    assert engine.model is loads[0]
    assert first.text and second.text


def test_corrupt_file_raises_transcription_error(engine, tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(bytes(range(256)) * 40)

    with pytest.raises(TranscriptionError, match="cannot decode audio"):
        engine.transcribe(corrupt)


def test_empty_file_raises_transcription_error(engine, tmp_path: Path) -> None:
    empty = tmp_path / "empty.wav"
    empty.touch()

    with pytest.raises(TranscriptionError, match="empty"):
        engine.transcribe(empty)


def test_audio_without_samples_raises_transcription_error(engine, tmp_path: Path) -> None:
    silent = tmp_path / "no-samples.wav"
    with wave.open(str(silent), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16_000)

    with pytest.raises(TranscriptionError, match="zero duration"):
        engine.transcribe(silent)


def test_missing_file_raises_transcription_error(engine, tmp_path: Path) -> None:
    with pytest.raises(TranscriptionError, match="not found"):
        engine.transcribe(tmp_path / "never-recorded.wav")


def test_unknown_engine_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown transcription engine"):
        load_engine("vosk")


def test_model_directory_without_model_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="model.bin"):
        load_engine(model=str(tmp_path))


def test_uncached_model_name_is_refused_not_downloaded() -> None:
    with pytest.raises(FileNotFoundError, match="nothing is downloaded"):
        load_engine(model="large-v3")


def test_transcript_text_joins_stripped_segments() -> None:
    transcript = Transcript(
        language="en",
        duration=3.0,
        segments=(
            Segment(0.0, 1.0, " Hello there. "),
            Segment(1.0, 2.0, ""),
            Segment(2.0, 3.0, "Bye."),
        ),
    )

    assert transcript.text == "Hello there. Bye."
