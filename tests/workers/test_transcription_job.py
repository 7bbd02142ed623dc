"""The `transcription.run` job: one engine per process, per-speaker merge, progress, and a worker
killed mid-transcription whose job another worker finishes with exactly one transcript."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hubtest import JWT_SECRET, Hub

from hub.keys import DB
from hub.services.transcripts import AudioPart, merge_transcripts
from hub.settings import Settings
from media.transcription import Segment, Transcript
from tests.api.media_helpers import (
    WER_LIMIT,
    events,
    uploaded,
    wait_for_transcription,
    word_error_rate,
)
from tests.media.conftest import speech  # noqa: F401  (the espeak-ng fixture)
from workers.transcription import engine_for

REPO = Path(__file__).resolve().parents[2]
LINES = [
    "Good morning and thank you for joining this interview for the backend role.",
    "Could you walk me through a project you are particularly proud of?",
    "Last year I rebuilt the payment service of an online shop so it could scale.",
    "What was the hardest problem you ran into while doing that work?",
    "Keeping orders consistent while two services wrote to the same database.",
]
REPEATS = 5  # about 75 s of speech: long enough to kill a worker while it is decoding


def test_engine_is_loaded_once_per_process(settings: Settings) -> None:
    first = engine_for(settings)
    assert engine_for(settings) is first
    assert engine_for(settings.replace(whisper_threads=1)) is not first  # other settings, other engine


def test_per_speaker_segments_merge_on_the_room_timeline() -> None:
    """Each track's times are shifted by where it started; the result is in time order, labelled."""
    alice = AudioPart("a.wav", "alice", "Alice", 0.0, 1.0)
    bob = AudioPart("b.wav", "bob", "Bob", 2.5, 1.0)
    merged = merge_transcripts([
        (alice, Transcript("en", 10.0, (Segment(0.5, 2.0, " Hello Bob. "), Segment(6.0, 7.0, "Great.")))),
        (bob, Transcript("en", 8.0, (Segment(0.2, 3.0, "Hi Alice."), Segment(4.0, 4.5, " ")))),
    ])
    assert merged == [
        {"start": 0.5, "end": 2.0, "text": "Hello Bob.", "speaker": "alice"},
        {"start": 2.7, "end": 5.5, "text": "Hi Alice.", "speaker": "bob"},
        {"start": 6.0, "end": 7.0, "text": "Great.", "speaker": "alice"},
    ]


@pytest.fixture
async def spawn_worker(settings: Settings, tmp_path: Path) -> AsyncIterator[Callable[[], subprocess.Popen[bytes]]]:
    """`python -m hub.cli worker` against the test's database and media directory, short lease."""
    procs: list[subprocess.Popen[bytes]] = []

    def spawn() -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "DATABASE_URL": settings.database_url or "",
            "HUB_MEDIA_DIR": str(settings.media_dir),
            "HUB_DATA_DIR": str(tmp_path / "worker-data"),
            "HUB_JWT_SECRET": JWT_SECRET,
            "HUB_JOB_LEASE_SECONDS": "2",
            "HUB_JOB_POLL_SECONDS": "0.2",
            "HUB_WHISPER_THREADS": "1",
            "HUB_LOG_FORMAT": "text",
            "HUB_LOG_LEVEL": "WARNING",
        }
        proc = subprocess.Popen([sys.executable, "-m", "hub.cli", "worker", "--concurrency", "1"],
                                cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(proc)
        return proc

    yield spawn
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


@pytest.mark.timeout(180)
async def test_killed_worker_mid_transcription_leaves_one_transcript(
    make_hub: Callable[..., Hub], speech, spawn_worker  # noqa: F811
) -> None:
    hub = await make_hub(workers=0)  # only the worker processes run jobs
    agency = await hub.agency()
    headers = agency.owner.headers
    lines = [speech(line, voice="en-us" if i % 2 == 0 else "en-gb+m3") for i, line in enumerate(LINES)]
    lines = [speech.concat(lines, gap_s=0.5)] * REPEATS
    audio = speech.concat(lines, gap_s=0.5)
    recording = await uploaded(hub, headers, audio, enableTranscription=True)
    status_path = f"/video/recordings/{recording['id']}/transcription-status"

    first = spawn_worker()
    seen: list[dict] = []
    async with asyncio.timeout(90):
        while not seen or seen[-1]["progress"] <= 0:
            seen.append((await hub.call("GET", status_path, status=200, headers=headers))["data"])
            assert seen[-1]["status"] != "completed", "finished before it could be killed; make the audio longer"
            await asyncio.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait()
    midway = seen[-1]
    assert midway["status"] == "processing" and 0 < midway["progress"] < 1
    assert datetime.fromisoformat(midway["estimatedCompletion"]) > datetime.now(UTC)

    spawn_worker()
    state = await wait_for_transcription(hub, headers, recording["id"], "completed", timeout=120)
    assert state["attempts"] == 2
    async with hub.app[DB].acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM transcripts") == 1
    assert len(await events(hub, "video.transcript.completed")) == 1
    transcript = (await hub.call("GET", f"/video/transcripts/{state['transcriptId']}", headers=headers))["data"]
    assert word_error_rate(" ".join(LINES * REPEATS), transcript["text"]) < WER_LIMIT
