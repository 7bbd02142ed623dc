"""The openai-whisper engine run end to end with a small, randomly initialised checkpoint.

The checkpoint is random by design: no real model may be downloaded or shipped, so these tests
check that the pipeline (checkpoint loading, decoding, mapping to a Transcript, progress) runs,
not what it says; its text is gibberish.
"""

from __future__ import annotations

import wave
from dataclasses import asdict
from pathlib import Path

import pytest

from media.transcription import Segment, Transcript, TranscriptionError, load_engine


@pytest.fixture
def random_checkpoint(tmp_path: Path) -> Path:
    """A tiny Whisper (1 layer, width 64) with random weights, saved as load_model expects."""
    pytest.importorskip(
        "whisper", reason="openai-whisper extra not installed (torch==2.13.0, then openai-whisper)"
    )
    import torch
    from whisper.model import ModelDimensions, Whisper

    torch.manual_seed(0)
    dims = ModelDimensions(
        n_mels=80,
        n_audio_ctx=1500,  # fixed by 30 s windows of 10 ms mel frames, halved by the conv stem
        n_audio_state=64,
        n_audio_head=2,
        n_audio_layer=1,
        n_vocab=51864,  # English-only GPT-2 vocabulary, so the bundled tokenizer applies
        n_text_ctx=64,
        n_text_state=64,
        n_text_head=2,
        n_text_layer=1,
    )
    model = Whisper(dims)
    # Whisper leaves this uninitialised (torch.empty) since real checkpoints overwrite it.
    torch.nn.init.normal_(model.decoder.positional_embedding, std=0.02)
    path = tmp_path / "random-tiny.pt"
    torch.save({"dims": asdict(dims), "model_state_dict": model.state_dict()}, path)
    return path


def test_random_checkpoint_runs_the_pipeline_end_to_end(random_checkpoint, speech) -> None:
    audio = speech("Please describe a project you are proud of.")
    engine = load_engine("openai-whisper", str(random_checkpoint), threads=2)
    reports: list[float] = []

    transcript = engine.transcribe(audio, on_progress=reports.append)

    assert engine.name == "openai-whisper"
    assert isinstance(transcript, Transcript)
    assert transcript.language == "en"
    with wave.open(str(audio), "rb") as source:
        audio_seconds = source.getnframes() / source.getframerate()
    assert transcript.duration == pytest.approx(audio_seconds, abs=0.01)
    assert isinstance(transcript.segments, tuple)
    for segment in transcript.segments:
        assert isinstance(segment, Segment) and segment.start <= segment.end
    assert reports == sorted(reports) and reports[-1] == 1.0


def test_progress_follows_the_30_second_windows(random_checkpoint, speech) -> None:
    """openai-whisper decodes 30 s windows: a 35 s file reports progress part-way, then 1.0."""
    sentence = speech("Tell me about the last team you worked with and what you built together.")
    recording = speech.concat([sentence] * 8, gap_s=0.5)
    engine = load_engine("openai-whisper", str(random_checkpoint), threads=2)
    reports: list[float] = []

    transcript = engine.transcribe(recording, on_progress=reports.append)

    assert transcript.duration > 30.0
    assert any(0.0 < fraction < 1.0 for fraction in reports)
    assert reports == sorted(reports) and reports[-1] == 1.0


def test_corrupt_audio_raises_transcription_error(random_checkpoint, tmp_path: Path) -> None:
    engine = load_engine("openai-whisper", str(random_checkpoint))
    corrupt = tmp_path / "corrupt.ogg"
    corrupt.write_bytes(b"OggS not really" * 100)

    with pytest.raises(TranscriptionError):
        engine.transcribe(corrupt)


def test_checkpoint_is_required() -> None:
    with pytest.raises(ValueError, match="checkpoint"):
        load_engine("openai-whisper")


def test_model_name_is_refused_not_downloaded() -> None:
    """openai-whisper would download 'tiny' from the internet; the engine takes only files."""
    with pytest.raises(FileNotFoundError, match="checkpoint file not found"):
        load_engine("openai-whisper", "tiny")
