"""SQL for candidate profiles (the talent pool) and a candidate as one agency knows them."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from ..db import Connection, Record
from .filters import Conditions, PageSql, like_pattern

SELECT_PROFILE = """SELECT u.id, u.full_name, u.headline, p.location, p.skills, p.experience_years, p.updated_at
                    FROM candidate_profiles p JOIN users u ON u.id = p.user_id"""


async def merge_profile(
    conn: Connection, user_id: UUID, *, skills: list[str], experience_years: Decimal | None, location: str | None
) -> None:
    """Skills accumulate (sorted, distinct); location and experience take the newest value given."""
    await conn.execute(
        """INSERT INTO candidate_profiles AS p (user_id, skills, experience_years, location)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (user_id) DO UPDATE SET
               skills = ARRAY(SELECT DISTINCT s FROM unnest(p.skills || EXCLUDED.skills) s ORDER BY s),
               experience_years = coalesce(EXCLUDED.experience_years, p.experience_years),
               location = coalesce(EXCLUDED.location, p.location),
               updated_at = now()""",
        user_id,
        sorted(set(skills)),
        experience_years,
        location,
    )


def talent_pool_page(
    *,
    q: str | None,
    skills: list[str] | None,
    location: str | None,
    min_experience: Decimal | None,
    max_experience: Decimal | None,
    limit: int,
    offset: int,
) -> PageSql:
    c = Conditions()
    c.add_raw("u.is_active")
    if q:
        pattern = c.param(like_pattern(q))
        c.add_raw(
            f"(u.full_name ILIKE {pattern} OR u.headline ILIKE {pattern} OR p.location ILIKE {pattern}"
            f" OR array_to_string(p.skills, ' ') ILIKE {pattern})"
        )
    c.add("p.skills @> {}::text[]", skills)
    c.add("p.location ILIKE {}", like_pattern(location) if location else None)
    c.add("p.experience_years >= {}", min_experience)
    c.add("p.experience_years <= {}", max_experience)
    return c.page(
        select=SELECT_PROFILE,
        count="SELECT count(*) FROM candidate_profiles p JOIN users u ON u.id = p.user_id",
        order_by="p.updated_at DESC, u.id",
        limit=limit,
        offset=offset,
    )


async def get_agency_candidate(conn: Connection, agency_id: UUID, candidate_id: UUID) -> Record | None:
    """The candidate with their profile, only if they applied to one of the agency's jobs."""
    return await conn.fetchrow(
        """SELECT u.id, u.full_name, u.headline, u.created_at, p.location, coalesce(p.skills, '{}') AS skills,
                  p.experience_years
           FROM users u LEFT JOIN candidate_profiles p ON p.user_id = u.id
           WHERE u.id = $1 AND u.role = 'candidate'
             AND EXISTS (SELECT 1 FROM applications a WHERE a.candidate_id = u.id AND a.agency_id = $2)""",
        candidate_id,
        agency_id,
    )


async def agency_applications_of(conn: Connection, agency_id: UUID, candidate_id: UUID) -> list[Record]:
    return await conn.fetch(
        """SELECT a.id, a.job_id, j.title AS job_title, a.status, a.applied_at
           FROM applications a JOIN jobs j ON j.id = a.job_id
           WHERE a.candidate_id = $1 AND a.agency_id = $2
           ORDER BY a.applied_at DESC, a.id""",
        candidate_id,
        agency_id,
    )
