"""Many applications at once, written in SQL with generate_series (seconds for 100,000 rows).

Shared by the index-fit test in test_applications.py and by bench/rest.py (which loads this file
by path), so both measure the same data. Only asyncpg is needed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import asyncpg

STATUSES = ("submitted", "under_review", "shortlisted", "interview_scheduled", "interviewed",
            "offer_sent", "hired", "rejected", "withdrawn", "released")  # fmt: skip


@dataclass(frozen=True)
class Loaded:
    jobs: list[UUID]  # ordered by title
    clients: list[UUID]  # ordered by name
    candidates: list[UUID]  # ordered by e-mail


async def load_applications(
    conn: asyncpg.Connection, agency_id: UUID, *, applications: int = 100_000, jobs: int = 50, clients: int = 5
) -> Loaded:
    """`applications` rows over `jobs` open jobs of `clients` clients; candidate k applies to every job once.

    Row n: job n % jobs, status STATUSES[(7n) % 10], score (37n) % 100, skills `skill-(n % 20)` and
    `skill-(20 + n % 7)`, experience n % 20 years, a resume when n is even, applied 5n minutes ago.
    Then VACUUM ANALYZE, as autovacuum does after a bulk insert.
    """
    tag = agency_id.hex[:8]
    candidates = -(-applications // jobs)
    async with conn.transaction():
        await conn.execute(
            "INSERT INTO clients (agency_id, name) SELECT $1, 'Client ' || lpad(g::text, 3, '0') FROM generate_series(1, $2) g",
            agency_id,
            clients,
        )
        client_ids = [r["id"] for r in await conn.fetch("SELECT id FROM clients WHERE agency_id = $1 ORDER BY name", agency_id)]
        await conn.execute(
            """INSERT INTO jobs (agency_id, client_id, title, status, skills)
               SELECT $1, ($2::uuid[])[1 + g % cardinality($2::uuid[])], 'Job ' || lpad(g::text, 4, '0'), 'open',
                      ARRAY['skill-' || (g % 20), 'skill-' || (20 + g % 7)]
               FROM generate_series(1, $3) g""",
            agency_id,
            client_ids,
            jobs,
        )
        job_ids = [r["id"] for r in await conn.fetch("SELECT id FROM jobs WHERE agency_id = $1 ORDER BY title", agency_id)]
        await conn.execute(
            """INSERT INTO users (email, password_hash, role, full_name)
               SELECT 'bulk-' || $1 || '-' || lpad(g::text, 6, '0') || '@example.com', 'not-a-hash', 'candidate',
                      'Candidate ' || g
               FROM generate_series(1, $2) g""",
            tag,
            candidates,
        )
        candidate_ids = [
            r["id"] for r in await conn.fetch("SELECT id FROM users WHERE email LIKE 'bulk-' || $1 || '-%' ORDER BY email", tag)
        ]
        await conn.execute(
            """INSERT INTO applications (agency_id, job_id, candidate_id, status, score, skills, experience_years,
                                         resume_path, applied_at)
               SELECT $1, ($2::uuid[])[1 + n % $4], ($3::uuid[])[1 + n / $4], ($5::text[])[1 + (n * 7) % 10],
                      (n * 37) % 100, ARRAY['skill-' || (n % 20), 'skill-' || (20 + n % 7)], n % 20,
                      CASE WHEN n % 2 = 0 THEN 'resumes/bulk-' || n END, now() - make_interval(mins => n * 5)
               FROM generate_series(0, $6 - 1) AS n""",
            agency_id,
            job_ids,
            candidate_ids,
            jobs,
            list(STATUSES),
            applications,
        )
    await conn.execute("VACUUM ANALYZE applications")
    return Loaded(job_ids, client_ids, candidate_ids)
