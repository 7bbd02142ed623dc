"""Who may see which records that follow an application.

Interviews, offers, placements and onboarding tasks all hang off an application: staff see
their agency's, a candidate sees those of their own applications, an interviewer those they
conduct. Storage modules start every query from `audience_conditions` so no query forgets it.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from ..auth.principal import Principal
from .filters import Conditions


@dataclass(frozen=True)
class Audience:
    agency_id: UUID | None = None  # staff and interviewers: the tenant
    candidate_id: UUID | None = None  # candidates: only records of their own applications
    interviewer_id: UUID | None = None  # interviewers: only interviews they conduct

    def __post_init__(self) -> None:
        if self.agency_id is None and self.candidate_id is None:
            raise ValueError("an audience needs an agency or a candidate")


def audience_of(principal: Principal) -> Audience:
    if principal.is_staff:
        return Audience(agency_id=principal.agency_id)
    if principal.is_candidate:
        return Audience(candidate_id=principal.id)
    return Audience(agency_id=principal.agency_id, interviewer_id=principal.id)


def audience_conditions(audience: Audience, *, record: str, application: str = "a") -> Conditions:
    """Tenant and candidate conditions; `record` and `application` are the tables' aliases."""
    conditions = Conditions()
    conditions.add(f"{record}.agency_id = {{}}", audience.agency_id)
    conditions.add(f"{application}.candidate_id = {{}}", audience.candidate_id)
    return conditions
