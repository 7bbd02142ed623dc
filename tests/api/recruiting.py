"""Helpers for the agency, team, client, job, application, candidate and analytics tests.

Unlike recruitment_helpers (which writes rows directly), these go through the API, since the
API is what those tests are about. Import as `from recruiting import ...` (tests/api is on the
path through the test modules' own folder).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import aiohttp
from hubtest import Agency, Hub, Person

from hub.keys import DB

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


async def create_job(hub: Hub, headers: dict[str, str], *, status: int = 201, **fields: Any) -> dict[str, Any]:
    body = await hub.call("POST", "/jobs/create", status=status, headers=headers, json={"title": "Backend Engineer", **fields})
    return body["data"] if status == 201 else body


async def open_job(hub: Hub, agency: Agency, **fields: Any) -> dict[str, Any]:
    """A job of `agency`, created and approved by its owner."""
    job = await create_job(hub, agency.owner.headers, **fields)
    body = await hub.call("POST", f"/jobs/{job['id']}/approve", status=200, headers=agency.owner.headers, json={})
    return body["data"]


async def apply(hub: Hub, candidate: Person, job_id: str, *, status: int = 201, **fields: Any) -> dict[str, Any]:
    body = await hub.call("POST", f"/jobs/{job_id}/apply", status=status, headers=candidate.headers, json=fields)
    return body["data"] if status == 201 else body


async def applied(hub: Hub, agency: Agency, **fields: Any) -> tuple[dict[str, Any], Person]:
    """An open job of `agency` and a new candidate's application to it: (application, candidate)."""
    job = await open_job(hub, agency)
    candidate = await hub.candidate()
    return await apply(hub, candidate, job["id"], **fields), candidate


async def move(hub: Hub, agency: Agency, application_id: str, *statuses: str) -> dict[str, Any]:
    """Walk an application through `statuses` as the agency's owner; returns the last reply's data."""
    data: dict[str, Any] = {}
    for status in statuses:
        body = await hub.call(
            "PATCH", f"/applications/{application_id}/status", status=200, headers=agency.owner.headers, json={"status": status}
        )
        data = body["data"]
    return data


async def sql(hub: Hub, query: str, *args: Any) -> list[Any]:
    """Rows of a query on the test database (to check side effects the API does not expose)."""
    async with hub.app[DB].acquire() as conn:
        return list(await conn.fetch(query, *args))


async def events_of(hub: Hub, agency: Agency, type: str) -> list[dict[str, Any]]:
    rows = await sql(hub, "SELECT data FROM events WHERE agency_id = $1 AND type = $2 ORDER BY id", uuid.UUID(agency.id), type)
    return [r["data"] for r in rows]


async def activities_of(hub: Hub, agency: Agency, action_type: str) -> list[Any]:
    return await sql(
        hub, "SELECT * FROM activities WHERE agency_id = $1 AND action_type = $2 ORDER BY id", uuid.UUID(agency.id), action_type
    )


async def invitation_token(hub: Hub, email: str) -> str:
    """The token of the newest invitation e-mail sent to `email`, read from the mail outbox."""
    rows = await sql(hub, "SELECT body_text FROM mail_outbox WHERE to_address = $1 ORDER BY created_at DESC LIMIT 1", email)
    match = re.search(r"token=([A-Za-z0-9_-]+)", rows[0]["body_text"])
    assert match, rows[0]["body_text"]
    return match.group(1)


def form(
    data: bytes, *, filename: str = "resume.pdf", field: str = "file", content_type: str = "application/pdf"
) -> aiohttp.FormData:
    body = aiohttp.FormData()
    body.add_field(field, data, filename=filename, content_type=content_type)
    return body


def ids(items: list[dict[str, Any]]) -> set[str]:
    return {item["id"] for item in items}
