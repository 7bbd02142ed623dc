"""Helpers for the recording and transcript tests: uploads, waiting on jobs, reading the outbox.

Import as `from tests.api.media_helpers import ...` (the speech fixture lives in tests/media).
"""

from __future__ import annotations

import asyncio
import re
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import jiwer
from hubtest import Agency, Hub

from hub.keys import DB

WER_LIMIT = 0.35  # word error rate the bundled tiny.en model must stay under on espeak-ng speech


async def upload(hub: Hub, headers: dict[str, str], content: Path | bytes, *, filename: str = "interview.wav",
                 content_type: str = "audio/wav", **fields: Any) -> tuple[int, Any]:
    """POST /video/recordings as multipart; returns (status, decoded body)."""
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, str(value).lower() if isinstance(value, bool) else str(value))
    data = content.read_bytes() if isinstance(content, Path) else content
    form.add_field("file", data, filename=filename, content_type=content_type)
    response = await hub.client.post("/api/v1/video/recordings", data=form, headers=headers)
    return response.status, await response.json()


async def uploaded(hub: Hub, headers: dict[str, str], content: Path | bytes, **options: Any) -> dict[str, Any]:
    """Upload that must succeed; the recording as the API shows it."""
    status, body = await upload(hub, headers, content, **options)
    assert status == 201, body
    return body["data"]


async def wait_for_transcription(hub: Hub, headers: dict[str, str], recording_id: str, wanted: str,
                                 timeout: float = 60.0) -> dict[str, Any]:
    """Poll transcription-status until it reads `wanted` (fails fast on the other final state)."""
    final = {"completed", "failed"}
    async with asyncio.timeout(timeout):
        while True:
            body = await hub.call("GET", f"/video/recordings/{recording_id}/transcription-status", status=200,
                                  headers=headers)
            state = body["data"]
            if state["status"] == wanted:
                return state
            assert state["status"] not in final - {wanted}, state
            await asyncio.sleep(0.2)


async def events(hub: Hub, type: str) -> list[dict[str, Any]]:
    """Outbox events of one type, oldest first."""
    async with hub.app[DB].acquire() as conn:
        rows = await conn.fetch("SELECT data FROM events WHERE type = $1 ORDER BY id", type)
    return [r["data"] for r in rows]


async def make_application(hub: Hub, agency: Agency) -> str:
    """An application of `agency` (a job and a candidate), written directly: the recruitment API is not under test."""
    candidate = await hub.candidate()
    async with hub.app[DB].acquire() as conn:
        job_id = await conn.fetchval(
            "INSERT INTO jobs (agency_id, title) VALUES ($1, 'Backend engineer') RETURNING id", uuid.UUID(agency.id)
        )
        application_id = await conn.fetchval(
            "INSERT INTO applications (agency_id, job_id, candidate_id) VALUES ($1, $2, $3) RETURNING id",
            uuid.UUID(agency.id), job_id, uuid.UUID(candidate.id),
        )
    return str(application_id)


def words(text: str) -> str:
    return " ".join(re.sub(r"[^a-z' ]+", " ", text.lower()).split())


def word_error_rate(script: str, heard: str) -> float:
    return jiwer.wer(words(script), words(heard))
