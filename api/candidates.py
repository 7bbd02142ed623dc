"""Candidates as agencies see them: /api/v1/candidates (talent pool, Enterprise) and /candidates/{id}."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from aiohttp import web
from pydantic import Field, model_validator

from hub.http import ApiRoutes, ok, page, path_id, principal_of
from hub.keys import DB
from hub.models import ApiModel, PageQuery
from hub.services import candidates as candidate_service

from .fields import ExperienceYears, SkillList

routes = ApiRoutes("candidates")


class CandidateOut(ApiModel):
    """A talent-pool entry: no e-mail or other contact detail, ever."""

    id: UUID
    full_name: str
    headline: str | None
    location: str | None
    skills: list[str]
    experience_years: float | None
    updated_at: datetime


class CandidateApplication(ApiModel):
    id: UUID
    job_id: UUID
    job_title: str
    status: str
    applied_at: datetime


class CandidateDetailOut(ApiModel):
    id: UUID
    full_name: str
    headline: str | None
    location: str | None
    skills: list[str]
    experience_years: float | None
    created_at: datetime
    applications: list[CandidateApplication]  # to this agency only


class CandidateQuery(PageQuery):
    q: str | None = Field(None, max_length=200)
    skills: SkillList | None = None  # profiles listing every one of these
    location: str | None = Field(None, max_length=200)
    min_experience: ExperienceYears | None = None
    max_experience: ExperienceYears | None = None

    @model_validator(mode="after")
    def _ordered_range(self) -> CandidateQuery:
        if self.min_experience is not None and self.max_experience is not None and self.min_experience > self.max_experience:
            raise ValueError("minExperience must not exceed maxExperience")
        return self


@routes.get(
    "/candidates",
    query=CandidateQuery,
    response=list[CandidateOut],
    paginated=True,
    scope="candidates:read",
    extra_responses={403: "PLAN_REQUIRED: talent-pool search needs the enterprise plan"},
)
async def search_candidates(request: web.Request, query: CandidateQuery) -> web.Response:
    """Search the talent pool by text, skills, location and experience (Enterprise plan)."""
    async with request.app[DB].acquire() as conn:
        rows, total = await candidate_service.search_talent_pool(
            conn,
            principal_of(request),
            q=query.q,
            skills=query.skills,
            location=query.location,
            min_experience=query.min_experience,
            max_experience=query.max_experience,
            limit=query.per_page,
            offset=query.offset,
        )
    return page((CandidateOut.from_record(r) for r in rows), total=total, query=query)


@routes.get("/candidates/{id}", response=CandidateDetailOut, scope="candidates:read")
async def get_candidate(request: web.Request) -> web.Response:
    """A candidate who applied to the agency, with those applications (404 for anyone else)."""
    async with request.app[DB].acquire() as conn:
        candidate, applications = await candidate_service.get_candidate(conn, principal_of(request), path_id(request))
    detail = CandidateDetailOut.model_validate(
        {**dict(candidate), "applications": [CandidateApplication.from_record(a) for a in applications]}
    )
    return ok(detail)
