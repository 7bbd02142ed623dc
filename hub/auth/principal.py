"""Who is asking: a person (JWT) or an integrator's API key, with role and scopes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal
from uuid import UUID

from ..errors import Forbidden, InsufficientScope

ROLES = ("owner", "admin", "recruiter", "interviewer", "candidate")
STAFF_ROLES = frozenset({"owner", "admin", "recruiter"})
MANAGER_ROLES = frozenset({"owner", "admin"})

# Every scope an endpoint can declare; API keys carry a subset.
SCOPES: tuple[str, ...] = (
    "agency:read", "agency:write",
    "team:read", "team:write",
    "clients:read", "clients:write",
    "jobs:read", "jobs:write",
    "applications:read", "applications:write",
    "interviews:read", "interviews:write",
    "offers:read", "offers:write",
    "placements:read", "placements:write",
    "onboarding:read", "onboarding:write",
    "candidates:read",
    "chat:read", "chat:write",
    "video:read", "video:write",
    "webhooks:read", "webhooks:write",
    "keys:read", "keys:write",
    "analytics:read",
    "audit:read",
    "notifications:read",
)  # fmt: skip

_ALL = frozenset(SCOPES)
_PEOPLE_BASICS = frozenset({"chat:read", "chat:write", "video:read", "video:write", "notifications:read"})

ROLE_SCOPES: dict[str, frozenset[str]] = {
    "owner": _ALL,
    "admin": _ALL,
    "recruiter": _ALL - {"agency:write", "team:write", "keys:write", "webhooks:write", "audit:read"},
    "interviewer": _PEOPLE_BASICS
    | {"jobs:read", "applications:read", "interviews:read", "interviews:write", "candidates:read"},
    "candidate": _PEOPLE_BASICS
    | {"jobs:read", "applications:read", "interviews:read", "offers:read", "offers:write", "onboarding:read"},
}
assert set(ROLE_SCOPES) == set(ROLES)


@dataclass(frozen=True)
class Principal:
    kind: Literal["user", "api_key", "room"]  # "room": a video join token, on Socket.IO only
    id: UUID  # the user's id, the API key's id, or the room participant's id
    agency_id: UUID | None  # None for candidates
    role: str  # a person's role; "integration" for API keys
    scopes: frozenset[str] = field(default_factory=frozenset)

    @property
    def user_id(self) -> UUID | None:
        return self.id if self.kind == "user" else None

    @property
    def is_staff(self) -> bool:
        """Acts for the agency as a whole: owners, admins, recruiters and API keys."""
        return self.kind == "api_key" or self.role in STAFF_ROLES

    @property
    def is_candidate(self) -> bool:
        return self.role == "candidate"

    def require_scope(self, scope: str) -> None:
        if scope not in self.scopes:
            raise InsufficientScope(scope)

    def require_role(self, roles: frozenset[str] | set[str]) -> None:
        if self.kind == "api_key":
            return  # keys are limited by scopes, not roles
        if self.role not in roles:
            raise Forbidden(f"This action is for: {', '.join(sorted(roles))}")

    def require_agency(self) -> UUID:
        if self.agency_id is None:
            raise Forbidden("This action is for agency members")
        return self.agency_id
