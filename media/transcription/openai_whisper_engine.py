"""Optional engine: the reference openai-whisper (PyTorch) with a local checkpoint file.

Installed through the `openai-whisper` extra; imported only when this engine is asked for, so
the hub runs without torch.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from media.transcription.audio import duration_of, load_audio
from media.transcription.engine import ProgressCallback
from media.transcription.progress import ProgressReporter
from media.transcription.transcript import Segment, Transcript

# openai-whisper has no progress callback: its only signal is a tqdm bar over mel frames built
# inside whisper.transcribe. We swap that module's `tqdm` for one call at a time (in a process,
# this engine's calls therefore run one after another; torch already uses every core for each).
_PROGRESS_SWAP = threading.Lock()


def _import_whisper() -> Any:
    try:
        return importlib.import_module("whisper")
    except ImportError as exc:
        raise ImportError(
            "the openai-whisper engine needs the 'openai-whisper' extra "
            "(torch==2.13.0 CPU build, then openai-whisper)"
        ) from exc


class _FramesBar:
    """Stands in for the tqdm bar openai-whisper updates with the number of frames decoded."""

    def __init__(self, progress: ProgressReporter, *, total: int, **_tqdm_options: Any) -> None:
        self._progress = progress
        self._total = max(total, 1)
        self._done = 0

    def __enter__(self) -> _FramesBar:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def update(self, frames: int) -> None:
        self._done += frames
        self._progress.report(self._done / self._total)


@contextmanager
def _frames_reported_to(progress: ProgressReporter) -> Iterator[None]:
    """Route openai-whisper's frame progress to `progress` for the duration of one call.

    Every call takes the lock, with or without a callback, so that no call runs while another
    call's stand-in is installed.
    """
    module = importlib.import_module("whisper.transcribe")
    original = getattr(module, "tqdm", None)
    with _PROGRESS_SWAP:
        if not progress.wanted or not hasattr(original, "tqdm"):  # unknown layout: 1.0 at the end
            yield
            return
        module.tqdm = SimpleNamespace(tqdm=lambda **options: _FramesBar(progress, **options))
        try:
            yield
        finally:
            module.tqdm = original


class OpenAIWhisperEngine:
    """Holds one openai-whisper model loaded from a local .pt checkpoint, on the CPU, in float32."""

    name = "openai-whisper"

    def __init__(self, checkpoint: Path, *, threads: int = 0) -> None:
        # whisper.load_model downloads when given a model *name*: only ever hand it a file.
        if not checkpoint.is_file():
            raise FileNotFoundError(f"openai-whisper checkpoint file not found: {checkpoint}")
        whisper = _import_whisper()
        if threads > 0:
            import torch

            torch.set_num_threads(threads)  # process-wide: one engine per worker process
        self.checkpoint = checkpoint
        self.model = whisper.load_model(str(checkpoint), device="cpu")

    def transcribe(
        self, audio_path: Path, on_progress: ProgressCallback | None = None
    ) -> Transcript:
        """Transcribe one file; progress follows the 30 s windows openai-whisper decodes."""
        samples = load_audio(audio_path)
        duration = duration_of(samples)
        progress = ProgressReporter(on_progress)
        # Samples decoded by PyAV above: openai-whisper's own loader needs an ffmpeg binary.
        # verbose=None keeps it from printing; our stand-in bar ignores its `disable` flag.
        with _frames_reported_to(progress):
            result = self.model.transcribe(samples, fp16=False, verbose=None)
        progress.finish()
        segments = tuple(
            Segment(start=float(s["start"]), end=float(s["end"]), text=str(s["text"]).strip())
            for s in result["segments"]
        )
        return Transcript(language=str(result["language"]), duration=duration, segments=segments)
