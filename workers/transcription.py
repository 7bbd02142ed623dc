"""The `transcription.run` job: Whisper over a recording's audio, one participant's track at a time,
merged into one speaker-labelled, masked transcript per recording.

The engine is loaded once per worker process (a lazy singleton keyed by the engine settings)
and runs in a thread; progress goes from that thread to the job row through the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

from hub.db import transaction
from hub.services import recordings as recording_service
from hub.services import transcripts as transcript_service
from hub.settings import Settings
from media.speech_regions import compact_speech, write_wav
from media.storage import LocalStorage
from media.transcription import (
    Segment,
    Transcript,
    TranscriptionEngine,
    TranscriptionError,
    load_engine,
)
from media.transcription.audio import SAMPLE_RATE, load_audio

from .registry import JobRegistry, PermanentJobError
from .runner import JobContext

logger = logging.getLogger(__name__)

TRANSCRIBING_SHARE = 0.95  # of the progress bar; masking and storing take the rest
PROGRESS_INTERVAL = 0.25  # seconds, the least time between two progress writes
assert 0 < TRANSCRIBING_SHARE < 1

_engines: dict[tuple[str, str | None, int], TranscriptionEngine] = {}
_engines_lock = threading.Lock()


def engine_for(settings: Settings) -> TranscriptionEngine:
    """This process's engine for the settings; loaded on first use, never per job (blocking: run in a thread)."""
    key = (settings.whisper_engine, settings.whisper_model, settings.whisper_threads)
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            logger.info("loading transcription engine %s (model %s)", key[0], key[1] or "bundled tiny.en")
            engine = load_engine(key[0], key[1], threads=key[2])
            _engines[key] = engine
        return engine


class TranscriptionAborted(Exception):
    """Raised inside the engine's thread to stop decoding once the job was cancelled."""


class ProgressPump:
    """Carries progress from the engine's thread to the job row, at most every PROGRESS_INTERVAL.

    The thread only hands a number to the loop (call_soon_threadsafe); one task writes the
    latest value, so a burst of segments costs one UPDATE.
    """

    def __init__(self, ctx: JobContext, loop: asyncio.AbstractEventLoop) -> None:
        self._ctx = ctx
        self._loop = loop
        self._latest = 0.0
        self._written = 0.0
        self._changed = asyncio.Event()
        self.aborted = threading.Event()
        self._task = loop.create_task(self._run())

    def callback(self, start: float, span: float) -> Callable[[float], None]:
        """A progress callback for one part covering [start, start + span] of the whole job."""

        def report(fraction: float) -> None:  # runs on the engine's thread
            if self.aborted.is_set():
                raise TranscriptionAborted("the job was cancelled")
            self._loop.call_soon_threadsafe(self.set, start + span * fraction)

        return report

    def set(self, value: float) -> None:
        if value > self._latest:
            self._latest = value
            self._changed.set()

    async def _run(self) -> None:
        while True:
            await self._changed.wait()
            self._changed.clear()
            value = self._latest
            if value > self._written:
                try:
                    await self._ctx.progress(value)
                    self._written = value
                except asyncio.CancelledError:
                    raise
                except Exception:
                    logger.warning("could not record progress of job %s", self._ctx.job.id, exc_info=True)
            await asyncio.sleep(PROGRESS_INTERVAL)

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


async def run_transcription(ctx: JobContext) -> dict[str, Any]:
    settings: Settings = ctx.resources["settings"]
    storage: LocalStorage = ctx.resources.get("storage") or LocalStorage(settings.media_dir)
    recording_id = UUID(ctx.payload["recordingId"])
    try:
        async with ctx.pool.acquire() as conn:
            plan = await transcript_service.plan_transcription(conn, recording_id)
    except transcript_service.NothingToTranscribe as exc:
        await _fail(ctx, recording_id, str(exc))
        raise PermanentJobError(str(exc)) from None
    if plan is None:
        return {"skipped": "the recording was deleted"}

    loop = asyncio.get_running_loop()
    try:
        engine = await loop.run_in_executor(None, engine_for, settings)
        parts = await _transcribe_parts(ctx, engine, storage, plan.parts)
        segments, masked = await loop.run_in_executor(
            None, transcript_service.mask_segments, transcript_service.merge_transcripts(parts)
        )
        async with transaction(ctx.pool) as conn:
            transcript = await transcript_service.store_transcript(
                conn, plan, parts, segments, masked, job_id=ctx.job.id, engine=engine.name,
                model=settings.whisper_model, base_url=settings.base_url,
            )
    except PermanentJobError as exc:
        await _fail(ctx, recording_id, str(exc))
        raise
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        if ctx.job.attempts >= ctx.job.max_attempts:  # the last try: integrators must hear it failed
            await _fail(ctx, recording_id, f"transcription failed: {type(exc).__name__}")
        raise
    if transcript is None:
        return {"skipped": "the recording was deleted while it was transcribed"}
    return {"transcriptId": str(transcript["id"]), "segments": len(segments)}


async def _transcribe_parts(
    ctx: JobContext, engine: TranscriptionEngine, storage: LocalStorage, parts: list[transcript_service.AudioPart]
) -> list[tuple[transcript_service.AudioPart, Transcript]]:
    """Each part in turn on the engine's thread; unusable tracks are skipped while another one works."""
    loop = asyncio.get_running_loop()
    pump = ProgressPump(ctx, loop)
    total = sum(p.weight for p in parts)
    done: list[tuple[transcript_service.AudioPart, Transcript]] = []
    problems: list[str] = []
    start = 0.0
    try:
        with tempfile.TemporaryDirectory(prefix="transcription-") as workdir:
            for index, part in enumerate(parts):
                span = TRANSCRIBING_SHARE * part.weight / total
                path = storage.path(part.storage_key)
                try:
                    if part.speaker is None:  # a whole recording: every voice in one file
                        result = await loop.run_in_executor(None, engine.transcribe, path, pump.callback(start, span))
                    else:
                        result = await _transcribe_speaker_track(
                            engine, path, pump, start, span, Path(workdir) / f"part{index}"
                        )
                    done.append((part, result))
                except TranscriptionError as exc:
                    logger.warning("recording track %s is unusable: %s", part.storage_key, exc)
                    problems.append(str(exc))
                start += span
                pump.set(start)
    except asyncio.CancelledError:
        pump.aborted.set()  # the thread stops at its next segment instead of decoding on for nobody
        raise
    finally:
        await pump.close()
    if not done:
        raise PermanentJobError("; ".join(problems) or "no audio to transcribe")
    await ctx.progress(TRANSCRIBING_SHARE)
    return done


async def _transcribe_speaker_track(
    engine: TranscriptionEngine, path: Path, pump: ProgressPump, start: float, span: float, workdir: Path
) -> Transcript:
    """One participant's track: its speech without the long silences, segments mapped back to track time."""
    loop = asyncio.get_running_loop()
    samples = await loop.run_in_executor(None, load_audio, path)
    speech = await loop.run_in_executor(None, compact_speech, samples, SAMPLE_RATE)
    duration = len(samples) / SAMPLE_RATE
    if speech.empty:
        return Transcript("", duration, ())  # they never spoke
    workdir.mkdir(parents=True, exist_ok=True)
    clip = await loop.run_in_executor(None, write_wav, speech.samples, SAMPLE_RATE, workdir / "speech.wav")
    result = await loop.run_in_executor(None, engine.transcribe, clip, pump.callback(start, span))
    segments = tuple(
        Segment(speech.to_track_time(s.start, starting=True), speech.to_track_time(s.end, starting=False), s.text)
        for s in result.segments
    )
    return Transcript(result.language, duration, segments)


async def _fail(ctx: JobContext, recording_id: UUID, reason: str) -> None:
    async with transaction(ctx.pool) as conn:
        await transcript_service.record_failure(conn, recording_id, reason)


def register(registry: JobRegistry) -> None:
    registry.register(recording_service.TRANSCRIPTION_JOB, run_transcription)
