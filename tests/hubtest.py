"""Test helpers shared by every test module: a running hub and factories for its people.

Import from here (`from hubtest import Hub`), never from conftest: each test folder may have a
conftest of its own.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from aiohttp import web
from aiohttp.test_utils import TestClient

from hub.keys import DB as _DB_KEY

JWT_SECRET = "test-secret-" + "x" * 40
PASSWORD = "correct horse battery"


def with_database(url: str, name: str) -> str:
    """The same server URL pointing at database `name`."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


@dataclass
class Agency:
    id: str
    owner: Person
    name: str


@dataclass
class Person:
    id: str
    email: str
    role: str
    token: str
    refresh_token: str
    agency_id: str | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Hub:
    """A running hub on a real socket, with helpers to make agencies, people and keys."""

    app: web.Application
    client: TestClient
    _n: list[int] = field(default_factory=lambda: [0])

    @property
    def url(self) -> str:
        return str(self.client.make_url("")).rstrip("/")

    def _email(self, hint: str) -> str:
        self._n[0] += 1
        return f"{hint}{self._n[0]}-{uuid.uuid4().hex[:6]}@example.com"

    async def call(self, method: str, path: str, *, status: int | None = None, **kwargs: Any) -> Any:
        """Call /api/v1 + path; assert the status when given; return the decoded body."""
        response = await self.client.request(method, "/api/v1" + path, **kwargs)
        body = await response.json(content_type=None) if response.content_length != 0 else None
        if status is not None:
            assert response.status == status, f"{method} {path}: {response.status} {body}"
        return body

    async def agency(self, name: str = "Acme Talent", *, plan: str = "free") -> Agency:
        body = await self.call(
            "POST",
            "/auth/register",
            status=201,
            json={
                "email": self._email("owner"),
                "password": PASSWORD,
                "fullName": "Olive Owner",
                "role": "owner",
                "agencyName": name,
            },
        )
        owner = _person(body["data"])
        if plan != "free":
            async with self.app[_DB_KEY].acquire() as conn:
                await conn.execute("UPDATE agencies SET plan = $1 WHERE id = $2", plan, uuid.UUID(owner.agency_id))
        return Agency(owner.agency_id, owner, name)  # type: ignore[arg-type]

    async def candidate(self, name: str = "Cora Candidate") -> Person:
        body = await self.call(
            "POST",
            "/auth/register",
            status=201,
            json={"email": self._email("cand"), "password": PASSWORD, "fullName": name},
        )
        return _person(body["data"])

    async def member(self, agency: Agency, role: str = "recruiter", name: str = "Rita Recruiter") -> Person:
        """A person of `agency` with `role`, created through the auth service, then signed in."""
        from hub.db import transaction
        from hub.keys import AUTH

        email = self._email(role)
        async with transaction(self.app[_DB_KEY]) as conn:
            await self.app[AUTH].create_user(
                conn, email=email, password=PASSWORD, full_name=name, role=role, agency_id=uuid.UUID(agency.id)
            )
        return await self.login(email)

    async def login(self, email: str, password: str = PASSWORD) -> Person:
        body = await self.call("POST", "/auth/login", status=200, json={"email": email, "password": password})
        return _person(body["data"])

    async def api_key(self, agency: Agency, scopes: list[str] | None = None, **options: Any) -> str:
        from hub.auth.principal import SCOPES
        from hub.db import transaction
        from hub.keys import AUTH

        async with transaction(self.app[_DB_KEY]) as conn:
            created = await self.app[AUTH].create_api_key(
                conn,
                agency_id=uuid.UUID(agency.id),
                name="test key",
                scopes=list(SCOPES) if scopes is None else scopes,
                created_by=uuid.UUID(agency.owner.id),
                **options,
            )
        return created.secret


def _person(data: dict[str, Any]) -> Person:
    user = data["user"]
    return Person(user["id"], user["email"], user["role"], data["accessToken"], data["refreshToken"], user["agencyId"])


async def seed_application(hub: Hub, agency: Agency, candidate: Person, title: str = "Backend Engineer") -> dict[str, str]:
    """A job of `agency` and `candidate`'s application to it, written straight to the database
    (for tests of features that only need them to exist); returns {"jobId", "applicationId"}."""
    async with hub.app[_DB_KEY].acquire() as conn:
        job_id = await conn.fetchval(
            "INSERT INTO jobs (agency_id, title, status) VALUES ($1, $2, 'open') RETURNING id", uuid.UUID(agency.id), title
        )
        application_id = await conn.fetchval(
            "INSERT INTO applications (agency_id, job_id, candidate_id) VALUES ($1, $2, $3) RETURNING id",
            uuid.UUID(agency.id),
            job_id,
            uuid.UUID(candidate.id),
        )
    return {"jobId": str(job_id), "applicationId": str(application_id)}
