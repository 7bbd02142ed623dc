"""Candidates as agencies see them.

The talent pool is every active candidate's profile on the hub (Enterprise plan only): name,
headline, location, skills and experience, never an e-mail or other contact detail. Profiles
are built from what candidates give when they apply. One candidate in full (with their
applications) is visible only to an agency they applied to; to anyone else it is 404.
"""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

import asyncpg

from ..auth.principal import Principal
from ..db import Record
from ..errors import NotFound
from ..storage import candidates as candidate_store
from .plans import require_plan
from .skills import normalize_skills

TALENT_POOL_TIER = "enterprise"


async def remember_profile(
    conn: asyncpg.Connection, candidate_id: UUID, *, skills: list[str], experience_years: Decimal | None, location: str | None
) -> None:
    """Fold what a candidate told one application into their profile."""
    await candidate_store.merge_profile(conn, candidate_id, skills=skills, experience_years=experience_years, location=location)


async def search_talent_pool(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    q: str | None,
    skills: list[str] | None,
    location: str | None,
    min_experience: Decimal | None,
    max_experience: Decimal | None,
    limit: int,
    offset: int,
) -> tuple[list[Record], int]:
    await require_plan(conn, principal.require_agency(), TALENT_POOL_TIER, "Talent-pool search")
    sql = candidate_store.talent_pool_page(
        q=q,
        skills=normalize_skills(skills) if skills else None,
        location=location,
        min_experience=min_experience,
        max_experience=max_experience,
        limit=limit,
        offset=offset,
    )
    return await sql.fetch(conn)


async def get_candidate(conn: asyncpg.Connection, principal: Principal, candidate_id: UUID) -> tuple[Record, list[Record]]:
    """(profile, this agency's applications of theirs); 404 unless they applied to the agency."""
    agency_id = principal.require_agency()
    candidate = await candidate_store.get_agency_candidate(conn, agency_id, candidate_id)
    if candidate is None:
        raise NotFound("Candidate not found")
    return candidate, await candidate_store.agency_applications_of(conn, agency_id, candidate_id)
