"""Shared by the chat benchmarks: a throw-away database and many people with access tokens.

People are written straight to the database (hashing thousands of passwords would dominate
the set-up) and their JWTs are minted with the secret the hub is started with.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg

from hub.auth.tokens import TokenSigner

SERVER = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
JWT_SECRET = "bench-secret-" + "b" * 40
TOKEN_TTL = 3600  # seconds: outlives any run


@asynccontextmanager
async def fresh_database() -> AsyncIterator[str]:
    """A new database on BENCH_DATABASE_URL's server (the system PostgreSQL by default), dropped after."""
    name = f"hub_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(SERVER)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield SERVER.rsplit("/", 1)[0] + "/" + name
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@dataclass(frozen=True)
class Person:
    id: str
    token: str


async def seed_staff(database_url: str, count: int) -> list[Person]:
    """`count` recruiters of one new agency (the hub must have migrated the database)."""
    signer = TokenSigner(JWT_SECRET)
    conn = await asyncpg.connect(database_url)
    try:
        agency_id = await conn.fetchval("INSERT INTO agencies (name) VALUES ('Bench Agency') RETURNING id")
        ids = [uuid.uuid4() for _ in range(count)]
        await conn.executemany(
            """INSERT INTO users (id, agency_id, email, password_hash, full_name, role)
               VALUES ($1, $2, $3, 'not-a-hash', $4, 'recruiter')""",
            [(uid, agency_id, f"bench-{uid.hex}@example.com", f"Bench {n}") for n, uid in enumerate(ids)],
        )
    finally:
        await conn.close()
    return [
        Person(str(uid), signer.issue("access", str(uid), TOKEN_TTL, role="recruiter", agency=str(agency_id)).token)
        for uid in ids
    ]
