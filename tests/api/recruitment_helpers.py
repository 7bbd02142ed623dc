"""Helpers for the interview, offer, placement, onboarding and notification tests.

Jobs and applications are written straight to the database: these tests are about what follows
an application, not how one is made. Import as `from tests.api.recruitment_helpers import ...`.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from hubtest import Agency, Hub, Person

from hub.keys import DB

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 32
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48


def docx_bytes() -> bytes:
    """The smallest ZIP that has the two parts that make a Word document."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "not a word document")
    return buffer.getvalue()


def in_days(days: float) -> str:
    """An ISO 8601 UTC time `days` from now, as clients send it."""
    return (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass
class Application:
    id: str
    job_id: str
    candidate: Person


async def make_application(
    hub: Hub,
    agency: Agency,
    candidate: Person | None = None,
    *,
    status: str = "submitted",
    title: str = "Backend Engineer",
) -> Application:
    """A job of `agency` and a candidate's application to it, at `status`."""
    candidate = candidate or await hub.candidate()
    async with hub.app[DB].acquire() as conn:
        job_id = await conn.fetchval(
            "INSERT INTO jobs (agency_id, title, status) VALUES ($1, $2, 'open') RETURNING id",
            uuid.UUID(agency.id),
            title,
        )
        application_id = await conn.fetchval(
            """INSERT INTO applications (agency_id, job_id, candidate_id, status)
               VALUES ($1, $2, $3, $4) RETURNING id""",
            uuid.UUID(agency.id),
            job_id,
            uuid.UUID(candidate.id),
            status,
        )
    return Application(str(application_id), str(job_id), candidate)


async def application_status(hub: Hub, application_id: str) -> str:
    async with hub.app[DB].acquire() as conn:
        return await conn.fetchval("SELECT status FROM applications WHERE id = $1", uuid.UUID(application_id))


async def status_history(hub: Hub, application_id: str) -> list[tuple[str | None, str]]:
    async with hub.app[DB].acquire() as conn:
        rows = await conn.fetch(
            "SELECT from_status, to_status FROM application_status_history WHERE application_id = $1 ORDER BY id",
            uuid.UUID(application_id),
        )
    return [(r["from_status"], r["to_status"]) for r in rows]


async def events_of(hub: Hub, type: str) -> list[dict[str, Any]]:
    """Outbox events of one type (data only), oldest first."""
    async with hub.app[DB].acquire() as conn:
        rows = await conn.fetch("SELECT data FROM events WHERE type = $1 ORDER BY id", type)
    return [r["data"] for r in rows]


async def activities_of(hub: Hub, subject_id: str) -> list[dict[str, Any]]:
    async with hub.app[DB].acquire() as conn:
        rows = await conn.fetch(
            "SELECT action_type, performed_by_type, performed_by_id FROM activities WHERE subject_id = $1 ORDER BY id",
            uuid.UUID(subject_id),
        )
    return [dict(r) for r in rows]


async def upload(
    hub: Hub, path: str, headers: dict[str, str], data: bytes, *, filename: str = "file.pdf",
    content_type: str = "application/pdf", field: str = "file",
) -> tuple[int, Any]:
    """POST a multipart upload to /api/v1 + path; returns (status, decoded body)."""
    form = aiohttp.FormData()
    form.add_field(field, data, filename=filename, content_type=content_type)
    response = await hub.client.post("/api/v1" + path, data=form, headers=headers)
    return response.status, await response.json()


def ids(body: dict[str, Any]) -> set[str]:
    return {item["id"] for item in body["data"]}


@dataclass
class Team:
    """An agency with a recruiter and an interviewer, and one candidate's application to it."""

    agency: Agency
    recruiter: Person
    interviewer: Person
    application: Application

    @property
    def candidate(self) -> Person:
        return self.application.candidate


async def make_team(hub: Hub, name: str = "Acme Talent", *, status: str = "submitted") -> Team:
    agency = await hub.agency(name)
    recruiter = await hub.member(agency, "recruiter")
    interviewer = await hub.member(agency, "interviewer", name="Ivan Interviewer")
    application = await make_application(hub, agency, status=status)
    return Team(agency, recruiter, interviewer, application)
