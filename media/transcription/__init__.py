"""Speech-to-text for interview recordings: engines behind one small interface.

A worker process calls `load_engine(...)` once and then `engine.transcribe(path, on_progress)`
for each recording, from a thread or executor (the call is synchronous and CPU-bound).
"""

from media.transcription.engine import ProgressCallback, TranscriptionEngine
from media.transcription.errors import TranscriptionError
from media.transcription.loader import ENGINE_NAMES, load_engine
from media.transcription.transcript import Segment, Transcript

__all__ = [
    "ENGINE_NAMES",
    "ProgressCallback",
    "Segment",
    "Transcript",
    "TranscriptionEngine",
    "TranscriptionError",
    "load_engine",
]
