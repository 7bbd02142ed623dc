"""Picks and loads a transcription engine from settings (engine name, model, threads)."""

from __future__ import annotations

import os
from pathlib import Path

from media.transcription.engine import TranscriptionEngine
from media.transcription.faster_whisper_engine import FasterWhisperEngine, resolve_model_dir

ENGINE_NAMES = ("faster-whisper", "openai-whisper")


def load_engine(
    engine: str = "faster-whisper",
    model: str | os.PathLike[str] | None = None,
    *,
    threads: int = 0,
    compute_type: str = "int8",
) -> TranscriptionEngine:
    """Load `engine` with its model once; the returned engine is meant to be reused.

    faster-whisper: `model` is None (bundled tiny.en), a model directory, or a cached model name;
    `threads` is CTranslate2's cpu_threads (0 = all cores) and `compute_type` e.g. int8, float32.
    openai-whisper: `model` is the path of a local .pt checkpoint (required); `threads` sets
    torch's thread count when > 0; it always computes in float32 on the CPU (`compute_type` unused).
    """
    if threads < 0:
        raise ValueError(f"threads must be 0 (automatic) or a positive count, got {threads}")
    if engine == "faster-whisper":
        return FasterWhisperEngine(
            resolve_model_dir(model), threads=threads, compute_type=compute_type
        )
    if engine == "openai-whisper":
        if model is None:
            raise ValueError(
                "the openai-whisper engine needs model=<path of a local .pt checkpoint>"
            )
        # Imported here so that nothing of torch loads unless this engine is chosen.
        from media.transcription.openai_whisper_engine import OpenAIWhisperEngine

        return OpenAIWhisperEngine(Path(model).expanduser(), threads=threads)
    raise ValueError(f"unknown transcription engine {engine!r}; choose one of {ENGINE_NAMES}")
